import ArgumentParser
import EdgeLLM
import Foundation

/// `netgpt generate --model PATH --prompt TEXT [--max-tokens N] [--temperature T] [--seed S] [--json]`.
struct GenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a prompt with a GGUF model (streams to stdout, or JSON with --json).",
        discussion: """
            The prompt is used as given (special tokens such as <|im_start|> parsed); --chat wraps it \
            in the model's chat template as a user message. Greedy by default (temperature 0). With \
            --json prints {"tokens": [...], "text": "...", "finish_reason": ..., "timings": {...}}.
            """
    )

    @Option(name: .long, help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "The prompt text.")
    var prompt: String?

    @Option(name: .long, help: "The prompt as comma-separated token ids instead of text.")
    var tokens: String?

    @Flag(name: .long, help: "Render the prompt as a user message with the model's chat template.")
    var chat = false

    @Option(name: .long, help: "The most tokens to generate. The default is 128.")
    var maxTokens: Int = 128

    @Option(name: .long, help: "Sampling temperature; 0 is greedy. The default is 0.")
    var temperature: Float = 0

    @Option(name: .long, help: "Top-k (0 disables). The default is 40 when sampling.")
    var topK: Int = 40

    @Option(name: .long, help: "Top-p. The default is 0.95.")
    var topP: Float = 0.95

    @Option(name: .long, help: "Min-p. The default is 0.05.")
    var minP: Float = 0.05

    @Option(name: .long, help: "Repetition penalty (1 disables). The default is 1.")
    var repeatPenalty: Float = 1

    @Option(name: .long, help: "Random seed. The default is 0.")
    var seed: UInt64 = 0

    @Option(name: .long, parsing: .singleValue, help: "A stop string (repeatable).")
    var stop: [String] = []

    @Option(name: .long, help: "Constrain the output to this JSON Schema (a file path).")
    var jsonSchema: String?

    @Option(name: .long, help: "Constrain the output to this regular expression.")
    var regex: String?

    @Option(name: .long, help: "Compute threads. The default is the number of processors.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .long, help: "Print one JSON object at the end instead of streaming text.")
    var json = false

    func validate() throws {
        if (prompt == nil) == (tokens == nil) { throw ValidationError("give exactly one of --prompt and --tokens") }
        if chat && tokens != nil { throw ValidationError("--chat needs --prompt") }
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if temperature < 0 { throw ValidationError("--temperature must be 0 or more") }
        if jsonSchema != nil && regex != nil { throw ValidationError("give at most one of --json-schema and --regex") }
    }

    func run() async throws {
        let loaded = try Model(path: model)
        var text = prompt
        if chat, let p = prompt {
            guard let template = loaded.tokenizer?.chatTemplate else { throw ValidationError("the model has no chat template") }
            text = template.render([ChatMessage(role: "user", content: p)], addGenerationPrompt: true)
        }
        let ids = try TokenInput.resolve(prompt: text, tokens: tokens, model: loaded)
        var parameters = SamplingParameters()
        parameters.maxTokens = maxTokens
        parameters.temperature = temperature
        if temperature > 0 {
            parameters.topK = topK
            parameters.topP = topP
            parameters.minP = minP
        }
        parameters.repetitionPenalty = repeatPenalty
        parameters.seed = seed
        parameters.stop = stop
        var constraint: (any TokenConstraint)?
        if let jsonSchema {
            guard let tokenizer = loaded.tokenizer else { throw ValidationError("constraints need the model's tokenizer") }
            let schema = String(decoding: try Data(contentsOf: URL(fileURLWithPath: jsonSchema)), as: UTF8.self)
            constraint = try JSONSchemaConstraint(schema: schema, tokenizer: tokenizer)
        } else if let regex {
            guard let tokenizer = loaded.tokenizer else { throw ValidationError("constraints need the model's tokenizer") }
            constraint = try RegexConstraint(pattern: regex, tokenizer: tokenizer)
        }
        let engine = try LLMEngine(model: loaded, configuration: EngineConfiguration(context: ContextConfiguration(
            threads: threads, contextLength: ids.count + maxTokens + 1, sequences: 1, batchSize: 512)))
        defer { engine.shutdown() }

        var generated: [Int32] = []
        var output = ""
        var summary: GenerationSummary?
        for try await event in engine.generate(GenerationRequest(prompt: ids, parameters: parameters, constraint: constraint)) {
            switch event {
            case .token(let id, let piece):
                generated.append(id)
                output += piece
                if !json { FileHandle.standardOutput.write(Data(piece.utf8)) }
            case .text(let piece):
                output += piece
                if !json { FileHandle.standardOutput.write(Data(piece.utf8)) }
            case .finished(let s):
                summary = s
            }
        }
        guard let summary else { return }
        if json {
            let object: [String: Any] = [
                "prompt_tokens": ids.map(Int.init),
                "tokens": generated.map(Int.init),
                "text": output,
                "finish_reason": summary.finishReason.rawValue,
                "timings": [
                    "prompt_n": summary.promptTokens,
                    "prompt_ms": (summary.promptSeconds * 1e6).rounded() / 1e3,
                    "prompt_per_second": summary.promptSeconds > 0 ? (Double(summary.promptTokens) / summary.promptSeconds * 10).rounded() / 10 : 0,
                    "predicted_n": summary.completionTokens,
                    "predicted_ms": (summary.generationSeconds * 1e6).rounded() / 1e3,
                    "predicted_per_second": (summary.tokensPerSecond * 10).rounded() / 10,
                ] as [String: Any],
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
        } else {
            print("")
            FileHandle.standardError.write(Data(String(format: "[%d prompt tokens, %d generated (%@), %.1f tokens/s]\n",
                summary.promptTokens, summary.completionTokens, summary.finishReason.rawValue, summary.tokensPerSecond).utf8))
        }
    }
}
