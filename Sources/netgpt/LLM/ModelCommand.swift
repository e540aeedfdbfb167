import ArgumentParser
import EdgeLLM
import Foundation

/// `netgpt model`: inspect GGUF model files.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect GGUF model files.",
        subcommands: [ModelInfoCommand.self]
    )
}

/// `netgpt model info PATH`: architecture, hyper-parameters, tokenizer, tensor types and sizes.
struct ModelInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a GGUF model's architecture, hyper-parameters, tokenizer and tensor summary."
    )

    @Argument(help: "The GGUF model file.")
    var path: String

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    @Flag(name: .long, help: "Also list every tensor (name, type, shape).")
    var tensors = false

    @Flag(name: .long, help: "Also list every metadata key (long arrays abbreviated).")
    var metadata = false

    func run() async throws {
        try KernelInfo.applyProcessEnvironment()
        let file = try GGUFFile(path: path)
        let info = try ModelSummary(file: file)
        if json {
            var object = info.dictionary
            if tensors { object["tensors"] = file.tensors.map { ["name": $0.name, "type": $0.type.name, "shape": $0.shape] as [String: Any] } }
            if metadata { object["metadata"] = Dictionary(uniqueKeysWithValues: file.metadataKeys.map { ($0, ModelSummary.render(file.metadata[$0]!)) }) }
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
            return
        }
        for (key, value) in info.lines { print(key.padding(toLength: 22, withPad: " ", startingAt: 0) + value) }
        if metadata {
            print("\nmetadata:")
            for key in file.metadataKeys { print("  \(key) = \(ModelSummary.render(file.metadata[key]!))") }
        }
        if tensors {
            print("\ntensors:")
            for t in file.tensors { print("  \(t.name.padding(toLength: 32, withPad: " ", startingAt: 0)) \(t.type.name.padding(toLength: 6, withPad: " ", startingAt: 0)) \(t.shape)") }
        }
    }
}

/// What `model info` shows about a file.
struct ModelSummary {
    var lines: [(String, String)] = []
    var dictionary: [String: Any] = [:]

    init(file: GGUFFile) throws {
        func add(_ key: String, _ text: String, _ value: Any) {
            lines.append((key, text))
            dictionary[key] = value
        }
        let size = file.bytes.count
        add("path", file.path ?? "-", file.path ?? "")
        add("gguf_version", "\(file.version)", file.version)
        add("file_bytes", String(format: "%d (%.1f MiB)", size, Double(size) / 1_048_576), size)
        add("name", file.metadata["general.name"]?.string ?? "-", file.metadata["general.name"]?.string ?? "")
        add("architecture", file.architecture ?? "-", file.architecture ?? "")
        let supported = file.architecture.map { Model.supportedArchitectures.contains($0) } ?? false
        add("supported", supported ? "yes" : "no (supported: \(Model.supportedArchitectures.joined(separator: ", ")))", supported)
        if supported {
            let model = try Model(file: file)
            let h = model.hyperParameters
            add("layers", "\(h.layerCount)", h.layerCount)
            add("embedding", "\(h.embeddingLength)", h.embeddingLength)
            add("feed_forward", "\(h.feedForwardLength)", h.feedForwardLength)
            add("heads", "\(h.headCount) (kv \(h.kvHeadCount), head width \(h.headDimension))", ["query": h.headCount, "kv": h.kvHeadCount, "width": h.headDimension])
            add("context_length", "\(h.trainedContextLength)", h.trainedContextLength)
            add("vocabulary", "\(h.vocabularySize)", h.vocabularySize)
            add("norm_epsilon", "\(h.normEpsilon)", h.normEpsilon)
            if let r = h.rope {
                add("rope", "base \(r.frequencyBase), dims \(r.dimensions), scaling \(r.scaling.rawValue) ×\(r.scalingFactor)",
                    ["base": r.frequencyBase, "dimensions": r.dimensions, "scaling": r.scaling.rawValue, "factor": r.scalingFactor])
            }
            if let t = model.tokenizer {
                add("tokenizer", "\(t.model) (\(file.metadata["tokenizer.ggml.pre"]?.string ?? "default")), bos \(t.bosToken.map { "\($0)" } ?? "-") eos \(t.eosToken.map { "\($0)" } ?? "-"), adds BOS: \(t.addsBOS)",
                    ["model": t.model, "pre": file.metadata["tokenizer.ggml.pre"]?.string ?? "", "bos": t.bosToken.map { Int($0) } ?? -1, "eos": t.eosToken.map { Int($0) } ?? -1, "adds_bos": t.addsBOS])
                add("chat_template", t.chatTemplate.map { "\($0.family.rawValue)" } ?? "none", t.chatTemplate.map { $0.family.rawValue } ?? "")
            }
        }
        var byType: [String: (count: Int, bytes: Int)] = [:]
        var parameters = 0
        for t in file.tensors {
            byType[t.type.name, default: (0, 0)].count += 1
            byType[t.type.name, default: (0, 0)].bytes += t.byteCount
            parameters += t.elementCount
        }
        add("parameters", String(format: "%d (%.1f M)", parameters, Double(parameters) / 1e6), parameters)
        add("tensors", "\(file.tensors.count): " + byType.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value.count)" }.joined(separator: ", "),
            Dictionary(uniqueKeysWithValues: byType.map { ($0.key, ["count": $0.value.count, "bytes": $0.value.bytes]) }))
        add("kernels", KernelInfo.instructionSet, KernelInfo.instructionSet)
    }

    /// A metadata value as short text (long arrays abbreviated).
    static func render(_ value: GGUFValue) -> String {
        switch value {
        case .string(let s): return s.count > 120 ? String(s.prefix(117)) + "…" : s
        case .array(let a):
            let shown = a.prefix(8).map(render).joined(separator: ", ")
            return a.count > 8 ? "[\(shown), … (\(a.count) items)]" : "[\(shown)]"
        case .bool(let b): return "\(b)"
        default: return value.double.map { v in value.int != nil ? "\(value.int!)" : "\(v)" } ?? "\(value)"
        }
    }
}
