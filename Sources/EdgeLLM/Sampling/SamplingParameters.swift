/// How the next token is chosen. The default is greedy decoding with no stop strings.
public struct SamplingParameters: Sendable, Equatable {
    /// Softmax temperature; 0 means greedy. The default is 0.
    public var temperature: Float = 0
    /// Keep only the K most likely tokens; 0 disables. The default is 0.
    public var topK: Int = 0
    /// Keep the smallest set whose probability reaches P; 1 disables. The default is 1.
    public var topP: Float = 1
    /// Drop tokens less likely than minP × the top probability; 0 disables. The default is 0.
    public var minP: Float = 0
    /// Penalty for tokens seen in the last `repetitionWindow` tokens; 1 disables. The default is 1.
    public var repetitionPenalty: Float = 1
    /// How many previous tokens the repetition penalty looks at. The default is 64.
    public var repetitionWindow: Int = 64
    /// The random seed; equal seeds give equal samples. The default is 0.
    public var seed: UInt64 = 0
    /// The most tokens to generate. The default is 256.
    public var maxTokens: Int = 256
    /// Generation stops before any of these strings. The default is none.
    public var stop: [String] = []

    /// Creates greedy parameters.
    public init() {}
}
