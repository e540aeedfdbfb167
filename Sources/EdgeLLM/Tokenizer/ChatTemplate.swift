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
///
/// No Jinja engine: the template is recognised by its markers and rendered as the template would
/// render it, including a default system message the template inserts (SmolLM2, Qwen2).
public struct ChatTemplate: Sendable, Equatable {
    /// The template families this renderer knows.
    public enum Family: String, Sendable, Equatable {
        /// `<|im_start|>role\ncontent<|im_end|>\n` (SmolLM, Qwen2, many others).
        case chatML
        /// `<|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|>` (Llama 3).
        case llama3
    }

    /// The family of this template.
    public var family: Family
    /// The system message the template adds when the conversation does not start with one. The default is none.
    public var defaultSystemMessage: String?
    /// The BOS text the template starts with (Llama 3: `<|begin_of_text|>`). The default is empty.
    public var bosToken: String
    /// Llama 3.1-style: always a system header with "Cutting Knowledge Date" lines. The default is false.
    public var knowledgeDateHeader: Bool

    /// Creates a renderer for a family.
    public init(family: Family, defaultSystemMessage: String? = nil, bosToken: String = "", knowledgeDateHeader: Bool = false) {
        self.family = family
        self.defaultSystemMessage = defaultSystemMessage
        self.bosToken = bosToken
        self.knowledgeDateHeader = knowledgeDateHeader
    }

    /// Recognises the family of a Jinja chat template; `nil` when it is none this renderer knows.
    public init?(recognizing template: String, bosToken: String = "", eosToken: String = "") {
        if template.contains("<|im_start|>") {
            self.init(family: .chatML, defaultSystemMessage: Self.defaultChatMLSystem(in: template), bosToken: bosToken)
        } else if template.contains("<|start_header_id|>") && template.contains("<|eot_id|>") {
            self.init(family: .llama3, bosToken: bosToken, knowledgeDateHeader: template.contains("Cutting Knowledge Date"))
        } else {
            return nil
        }
    }

    /// Renders the conversation as the model's template would.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        switch family {
        case .chatML: renderChatML(messages, addGenerationPrompt: addGenerationPrompt)
        case .llama3: renderLlama3(messages, addGenerationPrompt: addGenerationPrompt)
        }
    }

    private func renderChatML(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = ""
        if let defaultSystemMessage, messages.first?.role != "system" {
            out += "<|im_start|>system\n\(defaultSystemMessage)<|im_end|>\n"
        }
        for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    private func renderLlama3(_ messages: [ChatMessage], addGenerationPrompt: Bool) -> String {
        var out = bosToken
        var rest = messages[...]
        if knowledgeDateHeader {
            var system = ""
            if let first = rest.first, first.role == "system" {
                system = Self.trim(first.content)
                rest = rest.dropFirst()
            }
            out += "<|start_header_id|>system<|end_header_id|>\n\n"
            out += "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
            out += system + "<|eot_id|>"
        }
        for m in rest {
            out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(Self.trim(m.content))<|eot_id|>"
        }
        if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        return out
    }

    /// Jinja's `trim`: strips leading and trailing whitespace.
    private static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }

    /// The literal `'<|im_start|>system\n…<|im_end|>\n'` a ChatML template emits when the first
    /// message is not a system message, unescaped.
    static func defaultChatMLSystem(in template: String) -> String? {
        // The template's newlines may be real characters or Jinja escapes (`\n`).
        for newline in ["\n", "\\n"] {
            for quote in ["'", "\""] {
                var search = template[...]
                while let start = search.range(of: quote + "<|im_start|>system" + newline) {
                    let bodyStart = start.upperBound
                    guard let end = search[bodyStart...].range(of: "<|im_end|>") else { break }
                    let body = String(search[bodyStart..<end.lowerBound])
                    if !body.contains(quote) && !body.contains("{{") && !body.contains("{%") && !body.contains("+") {
                        return unescapeJinja(body)
                    }
                    search = search[end.upperBound...]
                }
            }
        }
        return nil
    }

    private static func unescapeJinja(_ s: String) -> String {
        var out = ""
        var escaped = false
        for c in s {
            if escaped {
                switch c {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(c)
                }
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else {
                out.append(c)
            }
        }
        return out
    }
}

extension String {
    /// `range(of:)` without Foundation: the first occurrence of `needle`.
    fileprivate func range(of needle: String) -> Range<String.Index>? { self[...].range(of: needle) }
}

extension Substring {
    /// The first occurrence of `needle`, compared by Unicode scalars.
    fileprivate func range(of needle: String) -> Range<String.Index>? {
        let n = needle.unicodeScalars
        guard let first = n.first else { return nil }
        var i = unicodeScalars.startIndex
        while i < unicodeScalars.endIndex {
            if unicodeScalars[i] == first {
                var a = i, b = n.startIndex
                while a < unicodeScalars.endIndex, b < n.endIndex, unicodeScalars[a] == n[b] {
                    a = unicodeScalars.index(after: a)
                    b = n.index(after: b)
                }
                if b == n.endIndex { return i..<a }
            }
            i = unicodeScalars.index(after: i)
        }
        return nil
    }
}
