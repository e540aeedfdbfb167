import Foundation
import Testing
@testable import NetGPTCore
import NetGPTStore

/// Malformed input never crashes the parser and never writes part of a batch: each fuzzed batch is
/// either rejected with a LineProtocolError (nothing written) or committed whole.
@Suite struct LineProtocolFuzzTests {
    /// A deterministic generator (SplitMix64) so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seedLines = [
        #"cpu,host=edge1,region=eu\ west usage_user=12.5,usage_system=3i,up=true 1700000000000000000"#,
        #"net\,if,iface=eth0 rx=123456789u,tx=-42i"#,
        #"log,host=a msg="quoted \"text\", with, commas",level=3i 1700000000000000001"#,
        "weird\\ name,t\\=k=v\\,x f\\ k=1e3 -5",
        "# comment line",
        "",
    ]

    /// One mutation of a valid batch.
    static func mutate(_ bytes: [UInt8], _ random: inout SplitMix) -> [UInt8] {
        var bytes = bytes
        let nasty: [UInt8] = [0, 0x5c, 0x22, 0x2c, 0x3d, 0x20, 0x0a, 0x0d, 0xff, 0xc3, 0x80, 0xe2, 0x82, 0x69, 0x75, 0x2e, 0x2d]
        switch random.next() % 7 {
        case 0 where !bytes.isEmpty:  // truncate anywhere
            bytes = Array(bytes[..<Int(random.next() % UInt64(bytes.count))])
        case 1:  // insert a nasty byte
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
            bytes.insert(nasty[Int(random.next() % UInt64(nasty.count))], at: position)
        case 2 where !bytes.isEmpty:  // overwrite with a random byte
            bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next())
        case 3 where !bytes.isEmpty:  // delete a byte
            bytes.remove(at: Int(random.next() % UInt64(bytes.count)))
        case 4:  // a huge line
            bytes += Array("\nhuge,t=".utf8) + [UInt8](repeating: 0x61, count: 70_000) + Array(" v=1".utf8)
        case 5:  // invalid UTF-8 in a tag value
            bytes += Array("\nm,t=".utf8) + [0xc3, 0x28, 0xa0, 0xa1] + Array(" v=1 1".utf8)
        default:  // duplicate a range
            if bytes.count > 2 {
                let start = Int(random.next() % UInt64(bytes.count - 1))
                let end = start + 1 + Int(random.next() % UInt64(bytes.count - start - 1))
                bytes.insert(contentsOf: bytes[start..<end], at: end)
            }
        }
        return bytes
    }

    @Test func parserNeverCrashesOnMutations() async throws {
        var random = SplitMix(state: 0x5eed)
        let base = Array(Self.seedLines.joined(separator: "\n").utf8)
        var accepted = 0
        var rejected = 0
        for iteration in 0..<4_000 {
            if iteration % 200 == 0 { await Task.yield() }  // leave the cooperative pool to other tests
            var input = base
            for _ in 0..<(1 + random.next() % 4) { input = Self.mutate(input, &random) }
            do {
                let batch = try LineProtocolParser.parse(input)
                let consistent = batch.values.count == batch.timestamps.count && batch.values.count == batch.references.count
                let finite = batch.values.allSatisfy(\.isFinite)
                #expect(consistent && finite)
                accepted += 1
            } catch {
                #expect(error.line >= 1 && error.column >= 1)
                rejected += 1
            }
        }
        #expect(accepted > 50 && rejected > 500, "the corpus exercises both paths (\(accepted) accepted, \(rejected) rejected)")
    }

    @Test func randomBytesNeverCrash() async {
        var random = SplitMix(state: 42)
        for iteration in 0..<3_000 {
            if iteration % 200 == 0 { await Task.yield() }
            let count = Int(random.next() % 200)
            let input = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            _ = try? LineProtocolParser.parse(input)
        }
    }

    @Test func rejectedBatchesWriteNothingAndAcceptedOnesWriteEverything() async throws {
        let dir = try TemporaryDirectory(); defer { dir.remove() }
        let store = try makeStore(dir)
        let ingestor = Ingestor(store: store)
        var random = SplitMix(state: 7)
        let valid = (0..<50).map { "fz,host=h\($0 % 5) v=\($0),w=\($0)i \(1_000_000 * Int64($0))" }
        for round in 0..<150 {
            var input = Array(valid.joined(separator: "\n").utf8)
            if round % 3 != 0 { input = Self.mutate(input, &random) }
            let before = try store.scalar("SELECT count(*) FROM samples", as: Int.self) ?? 0
            let parsed = try? LineProtocolParser.parse(input)
            do {
                let result = try await ingestor.writeLineProtocol(input, options: LineProtocolOptions())
                #expect(parsed != nil)
                let after = try store.scalar("SELECT count(*) FROM samples", as: Int.self) ?? 0
                #expect(after - before <= result.samples)  // upserts may replace earlier rows
                #expect(result.samples == parsed?.sampleCount)
            } catch is LineProtocolError {
                #expect(parsed == nil)
                #expect(try store.scalar("SELECT count(*) FROM samples", as: Int.self) == before, "a rejected batch wrote rows")
            }
        }
        // Every committed batch is whole: each (series, ts) written by the valid lines exists in full.
        #expect(try store.scalar("SELECT count(*) FROM samples WHERE series_id IN (SELECT id FROM series WHERE metric = 'fz_v')", as: Int.self) ?? 0 >= 50)
        try store.close()
    }
}
