/// One message of a chat conversation.
public struct ChatMessage: Sendable, Codable, Equatable {
    /// `system`, `user`, `assistant` …
    public var role: String
    /// The message text.
    public var content: String
    /// Creates a message.
    public init(role: String, content: String) { self.role = role; self.content = content }
}

/// A chat prompt format recognised from a model's `tokenizer.chat_template` (ChatML, Llama 3).
public struct ChatTemplate: Sendable {
    /// The template families this renderer knows.
    public enum Family: String, Sendable { case chatML, llama3 }
    /// The family of this template.
    public var family: Family
    /// Creates a renderer for a family.
    public init(family: Family) { self.family = family }

    /// Renders the conversation as the model's template would.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }
}
