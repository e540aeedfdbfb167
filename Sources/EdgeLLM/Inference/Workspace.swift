/// Activation buffers for one forward chunk of up to `maxTokens` tokens (rows), sized from the
/// model's hyper-parameters, plus the per-token ids the ops read.
final class Workspace: @unchecked Sendable {
    let maxTokens: Int
    /// Residual stream [n × embedding].
    let x: UnsafeMutablePointer<Float>
    /// Normalized stream [n × embedding].
    let xb: UnsafeMutablePointer<Float>
    /// Queries, keys and values side by side [n × (q + k + v widths)].
    let qkv: UnsafeMutablePointer<Float>
    let qkvWidth: Int
    /// Attention output [n × query width].
    let attention: UnsafeMutablePointer<Float>
    /// Feed-forward hidden buffers [n × feed-forward].
    let ffA: UnsafeMutablePointer<Float>
    let ffB: UnsafeMutablePointer<Float>
    /// cos/sin table [n × rope dimensions].
    let rope: UnsafeMutablePointer<Float>
    /// Rows selected for logits, normalized [n × embedding].
    let selected: UnsafeMutablePointer<Float>
    let tokens: UnsafeMutablePointer<Int32>
    let positions: UnsafeMutablePointer<Int32>
    let slots: UnsafeMutablePointer<Int32>
    let outputRows: UnsafeMutablePointer<Int32>
    private var owned: [UnsafeMutableRawPointer] = []

    init(hyper: HyperParameters, maxTokens: Int) {
        self.maxTokens = maxTokens
        var owned: [UnsafeMutableRawPointer] = []
        func floats(_ width: Int) -> UnsafeMutablePointer<Float> {
            let count = max(1, maxTokens * width)
            let p = UnsafeMutableRawPointer.allocate(byteCount: count * 4, alignment: 64)
            p.initializeMemory(as: Float.self, repeating: 0, count: count)
            owned.append(p)
            return p.assumingMemoryBound(to: Float.self)
        }
        func ints() -> UnsafeMutablePointer<Int32> {
            let p = UnsafeMutableRawPointer.allocate(byteCount: maxTokens * 4, alignment: 64)
            p.initializeMemory(as: Int32.self, repeating: 0, count: maxTokens)
            owned.append(p)
            return p.assumingMemoryBound(to: Int32.self)
        }
        let e = hyper.embeddingLength
        x = floats(e)
        xb = floats(e)
        qkvWidth = hyper.queryWidth + 2 * hyper.kvWidth
        qkv = floats(qkvWidth)
        attention = floats(hyper.queryWidth)
        ffA = floats(hyper.feedForwardLength)
        ffB = floats(hyper.feedForwardLength)
        rope = floats(hyper.rope?.dimensions ?? 1)
        selected = floats(e)
        tokens = ints()
        positions = ints()
        slots = ints()
        outputRows = ints()
        self.owned = owned
    }

    deinit { for p in owned { p.deallocate() } }
}

/// What one forward pass computes: `count` tokens already written to the workspace, and the
/// logits of `outputCount` rows (indices in `workspace.outputRows`) written to `logits`.
struct ForwardPlan {
    let count: Int
    let workspace: Workspace
    let cache: KVCache
    let outputCount: Int
    let logits: UnsafeMutablePointer<Float>
}

/// A model architecture: binds its tensors once, then describes a forward pass as kernel ops.
protocol Architecture: Sendable {
    var hyper: HyperParameters { get }
    /// Appends the ops of one forward pass to `graph`.
    func appendForward(_ graph: inout GraphBuilder, plan: ForwardPlan)
}
