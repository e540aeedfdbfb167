/// Qwen2 (and Qwen2.5): the LLaMA graph with biases on Q, K and V and NeoX-style rotation
/// (pairs i and i + d/2). Hyper-parameters come from `qwen2.*` metadata.
enum Qwen2Architecture {
    static func load(file: GGUFFile, hyper: HyperParameters) throws -> LlamaArchitecture {
        try LlamaArchitecture(file: file, hyper: hyper, requireQKVBias: true, neox: true)
    }
}
