/// Where a progressive GAN stands in its growth: the deepest level in use and how far that
/// level is faded in.
///
/// At depth `d` the networks work at side `bottom · 2^d`; with `alpha < 1` (a transition) G's
/// output is `(1 − α)·upsample(toRGB_{d−1}(h_{d−1})) + α·toRGB_d(h_d)` and D's input path is
/// `(1 − α)·fromRGB_{d−1}(avgpool(x)) + α·block_d(fromRGB_d(x))`.
public struct ProGANGrowth: Equatable, Sendable, CustomStringConvertible {
    /// The deepest level in use, 0 (the bottom side) to `levels`.
    public var depth: Int
    /// The weight of level `depth` against the up-sampled level below, in [0, 1].
    public var alpha: Float

    public init(depth: Int, alpha: Float = 1) {
        precondition(depth >= 0 && alpha >= 0 && alpha <= 1, "ProGANGrowth: depth \(depth) and alpha \(alpha) out of range")
        self.depth = depth
        self.alpha = alpha
    }

    /// Whether the level below still contributes (a transition phase).
    public var isFading: Bool { depth > 0 && alpha < 1 }

    public var description: String { "depth \(depth), α \(alpha)" }
}
