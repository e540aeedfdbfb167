import Foundation
@testable import EdgeLLM

extension TestPaths {
    /// The contents of a committed fixture file.
    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }
    /// `../shared` beside the package root (schemas, reference data), when present.
    static let shared = packageRoot.appendingPathComponent("../shared").standardized
}
