/// A loaded model: the GGUF file (in huge pages or memory-mapped), its hyper-parameters, the architecture's bound
/// weights and (when the file has a vocabulary) its tokenizer. Immutable and shareable; inference
/// state lives in `InferenceContext`.
public final class Model: @unchecked Sendable {
    /// The loaded file.
    public let file: GGUFFile
    /// Shape and numerics from the metadata.
    public let hyperParameters: HyperParameters
    /// The tokenizer described by `tokenizer.*` metadata, when present.
    public let tokenizer: Tokenizer?
    let architecture: any Architecture

    /// The architectures this engine implements (`general.architecture` values).
    public static let supportedArchitectures = ["llama", "qwen2", "gpt2"]

    /// Loads the model at `path`, its weights in huge pages (the default) or memory-mapped.
    public convenience init(path: String, storage: WeightStorage = .hugePages) throws {
        try self.init(file: GGUFFile(path: path, storage: storage))
    }

    /// Loads the model in an already mapped file.
    public init(file: GGUFFile) throws {
        self.file = file
        guard let arch = file.architecture else {
            throw GGUFError(.missingMetadata, "general.architecture is missing; the file is not a model", path: file.path)
        }
        let vocabRows = file.tensor(named: "token_embd.weight")?.rowCount
        switch arch {
        case "llama", "qwen2":
            let hyper = try HyperParameters(metadata: file.metadata, architecture: arch, usesRope: true, vocabularyFallback: vocabRows)
            hyperParameters = hyper
            architecture = arch == "llama" ? try LlamaArchitecture(file: file, hyper: hyper) : try Qwen2Architecture.load(file: file, hyper: hyper)
        case "gpt2":
            let hyper = try HyperParameters(metadata: file.metadata, architecture: arch, usesRope: false, vocabularyFallback: vocabRows)
            hyperParameters = hyper
            architecture = try GPT2Architecture(file: file, hyper: hyper)
        default:
            throw InferenceError(.unsupportedArchitecture, "architecture '\(arch)' is not supported; supported: \(Self.supportedArchitectures.joined(separator: ", "))")
        }
        tokenizer = file.metadata["tokenizer.ggml.tokens"] == nil ? nil : try Tokenizer(metadata: file.metadata)
    }
}
