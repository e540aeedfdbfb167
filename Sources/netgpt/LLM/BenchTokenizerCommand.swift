import ArgumentParser
import EdgeLLM
import Foundation

/// `netgpt bench tokenizer --model PATH`: tokenizer load time and encoding speed, as JSON.
struct BenchTokenizerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Measure tokenizer load time and encoding speed on a few KB of text; print JSON."
    )

    @Option(name: .long, help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "Encodings to time. The default is 200.")
    var iterations = 200

    @Option(name: .long, help: "Tokenize this file's text instead of the built-in 2.5 KB sample.")
    var file: String?

    func run() async throws {
        let clock = ContinuousClock()
        let gguf = try GGUFFile(path: model)
        var tokenizer: Tokenizer?
        let load = clock.measure { tokenizer = try? Tokenizer(metadata: gguf.metadata) }
        guard let tokenizer else { _ = try Tokenizer(metadata: gguf.metadata); return }
        let text = try file.map { String(decoding: try Data(contentsOf: URL(fileURLWithPath: $0)), as: UTF8.self) } ?? Self.sampleText
        var ids: [Int32] = []
        _ = tokenizer.encode(text)  // warm up (first use builds lookup tables)
        let encode = clock.measure { for _ in 0..<iterations { ids = tokenizer.encode(text) } }
        var decoded = ""
        let decode = clock.measure { for _ in 0..<iterations { decoded = tokenizer.decode(ids) } }
        let perEncode = TextBenchFormat.seconds(encode) / Double(iterations)
        let result: [String: Any] = [
            "model": model,
            "load_ms": TextBenchFormat.round(TextBenchFormat.seconds(load) * 1000, 3),
            "text_bytes": text.utf8.count,
            "tokens": ids.count,
            "encode_ms": TextBenchFormat.round(perEncode * 1000, 3),
            "encode_mb_per_s": TextBenchFormat.round(Double(text.utf8.count) / perEncode / 1e6, 2),
            "encode_tokens_per_s": TextBenchFormat.round(Double(ids.count) / perEncode, 0),
            "decode_ms": TextBenchFormat.round(TextBenchFormat.seconds(decode) / Double(iterations) * 1000, 3),
            "round_trip": decoded == text,
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self))
    }

    /// About 4 KB: telemetry lines, an operator request, JSON, code and some non-ASCII text.
    static let sampleText: String = {
        var s = ""
        for i in 0..<24 {
            s += "2024-03-17T08:\(10 + i % 50):42.\(100 + i)Z WARN linkmon: cell\(i % 97) load \((i * 37) % 100)% rx_errors=\(i * 1042) "
            s += "latency_ms=\(Double(i) * 1.25 + 3.5)\n"
        }
        s += "Ensure latency below 20 ms for video traffic on slice embb-2 between 18:00 and 23:00, "
        s += "and don't let backups use more than 30% of the uplink. Café résumé naïve — 网络延迟 ネットワーク 😀\n"
        s += #"{"verb": "ensure", "target": {"kind": "slice", "id": "embb-2"}, "metric": "latency_ms", "condition": {"op": "lt", "value": 20}}"#
        s += "\nfunc handle(_ request: Request) async throws -> Response {\n    let body = try await request.body.collect(upTo: 1 << 20)\n    return Response(status: .ok)\n}\n"
        return s
    }()
}

/// Number formatting shared by the text benchmarks (`bench tokenizer`, `bench grammar`).
enum TextBenchFormat {
    /// A duration in seconds.
    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }

    /// `value` rounded to `places` decimals (for JSON output).
    static func round(_ value: Double, _ places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (value * scale).rounded() / scale
    }
}
