import Foundation
import Hummingbird

/// The request context of the HTTP API: Hummingbird's core storage plus whether the peer is on this
/// machine (unauthenticated writes are accepted only from loopback when no token is configured).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address, if known.
    public let peerAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        peerAddress = source.channel.remoteAddress?.ipAddress
    }

    /// Whether the peer connected over loopback (127.0.0.0/8 or ::1).
    public var peerIsLoopback: Bool {
        guard let peer = peerAddress else { return false }
        return peer.hasPrefix("127.") || peer == "::1" || peer.hasPrefix("::ffff:127.")
    }

    /// Bodies are collected explicitly with the configured limit; this bounds Hummingbird's decoders.
    public var maxUploadSize: Int { 32 << 20 }
}

/// Small helpers for JSON and text responses.
enum Reply {
    static func json(_ object: Any, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data + [0x0a])))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// An error body: `{"error": code, "message": text}` plus extra fields.
    static func error(_ status: HTTPResponse.Status, code: String, message: String, extra: [String: Any] = [:],
                      retryAfter: Int? = nil) -> Response {
        var body: [String: Any] = ["error": code, "message": message]
        body.merge(extra) { _, new in new }
        var headers: HTTPFields = [:]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return json(body, status: status, headers: headers)
    }
}

extension ByteBuffer: LineProtocolBody {
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try withUnsafeReadableBytes(body) }
    public var byteCount: Int { readableBytes }
}
