import Foundation
import Testing
@testable import EdgeLLM

/// The GGUF reader: every metadata type, tensor infos, alignment, clear errors.
@Suite struct GGUFReaderTests {
    static let everyValue: [(String, GGUFValue)] = [
        ("t.u8", .uint8(200)), ("t.i8", .int8(-100)), ("t.u16", .uint16(60000)), ("t.i16", .int16(-30000)),
        ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)), ("t.f32", .float32(3.25)),
        ("t.bool", .bool(true)), ("t.string", .string("héllo ▁world")), ("t.u64", .uint64(UInt64.max)),
        ("t.i64", .int64(Int64.min)), ("t.f64", .float64(-1e300)),
        ("t.array.i32", .array([.int32(1), .int32(-2), .int32(3)])),
        ("t.array.str", .array([.string("a"), .string(""), .string("<|im_end|>")])),
        ("t.array.nested", .array([.array([.uint8(1)]), .array([.uint8(2), .uint8(3)])])),
        ("t.array.empty", .array([])),
    ]

    static func sampleWriter(alignment: Int = 32) throws -> GGUFWriter {
        var w = GGUFWriter()
        w.alignment = alignment
        w.set("general.architecture", .string("llama"))
        for (k, v) in everyValue { w.set(k, v) }
        try w.addTensor("a", shape: [4, 2], floats: (0..<8).map(Float.init))
        try w.addTensor("b", shape: [32, 3], type: .q8_0, data: [UInt8](repeating: 1, count: 34 * 3))
        try w.addTensor("c", shape: [5], floats: [1, 2, 3, 4, 5])
        return w
    }

    @Test func roundTripsEveryMetadataType() throws {
        let file = try GGUFFile(bytes: try Self.sampleWriter().serialized())
        #expect(file.version == 3)
        #expect(file.architecture == "llama")
        for (k, v) in Self.everyValue { #expect(file.metadata[k] == v, "\(k)") }
        #expect(file.metadataKeys == ["general.architecture"] + Self.everyValue.map(\.0))
        #expect(file.metadata["t.u64"]?.int == nil, "UInt64.max does not fit an Int")
        #expect(file.metadata["t.array.str"]?.stringArray == ["a", "", "<|im_end|>"])
    }

    @Test(arguments: [32, 64, 256], WeightStorage.allCases)
    func tensorInfosAndAlignment(alignment: Int, storage: WeightStorage) throws {
        let path = TestPaths.temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.sampleWriter(alignment: alignment).write(to: path)
        let file = try GGUFFile(path: path, storage: storage)
        if storage == .hugePages {
            #expect(UInt(bitPattern: file.bytes.baseAddress) % UInt(2 << 20) == 0, "the copy starts on a 2 MiB boundary")
        }
        #expect(file.alignment == alignment)
        #expect(file.dataOffset % alignment == 0)
        #expect(file.tensors.map(\.name) == ["a", "b", "c"])
        let b = try #require(file.tensor(named: "b"))
        #expect(b.shape == [32, 3] && b.type == .q8_0 && b.byteCount == 102 && b.rowCount == 3)
        #expect(b.fileOffset % alignment == 0)
        let a = try #require(file.tensor(named: "a"))
        let floats = file.data(of: a).withMemoryRebound(to: Float.self) { Array($0) }
        #expect(floats == (0..<8).map(Float.init))
        let c = try #require(file.tensor(named: "c"))
        #expect(file.data(of: c).load(fromByteOffset: 16, as: Float.self) == 5)
        #expect(file.tensor(named: "missing") == nil)
    }

    @Test func rejectsWhatIsNotGGUF() throws {
        #expect(throws: GGUFError.self) { try GGUFFile(bytes: []) }
        let bad = try #require(catching { try GGUFFile(bytes: Array("GGML plus more bytes".utf8)) })
        #expect(bad.code == .badMagic)
        var image = try Self.sampleWriter().serialized()
        image[4] = 1
        #expect(catching { try GGUFFile(bytes: image) }?.code == .unsupportedVersion)
        let missing = try #require(catching { try GGUFFile(path: "/nonexistent/model.gguf") })
        #expect(missing.code == .cannotOpen)
        #expect(missing.description.contains("/nonexistent/model.gguf"))
        #expect(catching { try GGUFFile(path: "/tmp") }?.code == .cannotOpen)
        #expect(catching { try GGUFFile(path: "/nonexistent/model.gguf", storage: .hugePages) }?.code == .cannotOpen)
        #expect(catching { try GGUFFile(path: "/tmp", storage: .hugePages) }?.code == .cannotOpen)
    }

    @Test func everyTruncationIsAClearError() throws {
        let image = try Self.sampleWriter().serialized()
        for length in 0..<image.count where length % 3 == 0 || length > image.count - 40 {
            let error = catching { try GGUFFile(bytes: Array(image[0..<length])) }
            // The last tensor's padding may be cut without harm; everything else must throw.
            if let error {
                #expect([.truncated, .corrupt, .badMagic].contains(error.code), "length \(length): \(error)")
            } else {
                #expect(length >= image.count - 32 + 20, "length \(length) parsed")
            }
        }
    }

    @Test func corruptStructuresAreNamed() throws {
        var w = GGUFWriter()
        w.set("x", .uint32(1))
        var image = try w.serialized()
        // The value type tag of "x" sits after magic, version, counts, key length and key.
        let tagOffset = 4 + 4 + 8 + 8 + 8 + 1
        image[tagOffset] = 99
        let e = try #require(catching { try GGUFFile(bytes: image) })
        #expect(e.code == .corrupt)
        #expect(e.message.contains("'x'") && e.offset != nil)

        var t = GGUFWriter()
        try t.addTensor("w", shape: [32], type: .q4_0, data: [UInt8](repeating: 0, count: 18))
        var timage = try t.serialized()
        // The tensor type tag: after header(24), name (8+1), dims (4), dim (8).
        let typeOffset = 24 + 9 + 4 + 8
        timage[typeOffset] = 200
        #expect(catching { try GGUFFile(bytes: timage) }?.code == .unsupportedTensorType)
        timage[typeOffset] = 2
        timage[typeOffset + 4] = 3 // offset 3: misaligned
        #expect(catching { try GGUFFile(bytes: timage) }?.code == .invalidTensor)
    }

    @Test func writerRejectsWrongSizes() {
        var w = GGUFWriter()
        #expect(throws: GGUFError.self) { try w.addTensor("q", shape: [31], type: .q4_0, data: [UInt8](repeating: 0, count: 18)) }
        #expect(throws: GGUFError.self) { try w.addTensor("q", shape: [32], type: .q4_0, data: [UInt8](repeating: 0, count: 17)) }
        w.set("mixed", .array([.int32(1), .string("x")]))
        #expect(throws: GGUFError.self) { try w.serialized() }
    }

    @Test(.enabled(if: TestPaths.realModelPresent)) func readsTheRealModel() throws {
        let file = try GGUFFile(path: TestPaths.realModel)
        #expect(file.architecture == "llama")
        #expect(file.metadata["llama.block_count"]?.int == 30)
        #expect(file.metadata["llama.embedding_length"]?.int == 576)
        #expect(file.metadata["tokenizer.ggml.tokens"]?.array?.count == 49152)
        #expect(file.tensors.count == 272)
        #expect(file.tensors.allSatisfy { $0.type.isSupported })
        let q = try #require(file.tensor(named: "blk.0.attn_q.weight"))
        #expect(q.shape == [576, 576])
        let copied = try GGUFFile(path: TestPaths.realModel, storage: .hugePages)
        #expect(copied.bytes.count == file.bytes.count)
        #expect(memcmp(copied.bytes.baseAddress!, file.bytes.baseAddress!, file.bytes.count) == 0, "the huge-page copy holds the file's bytes")
    }
}

/// Runs `body` and returns the `GGUFError` it threw (nil when it did not throw).
func catching<T>(_ body: () throws -> T) -> GGUFError? {
    do { _ = try body(); return nil } catch let e as GGUFError { return e } catch { return nil }
}
