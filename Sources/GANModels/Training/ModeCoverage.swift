import GANData
import GANTensor

/// Mode coverage of 2-D samples on a toy mixture: which modes have samples and how many
/// samples are "high quality" (within 3σ of a centre), as in the unrolled-GAN and VEEGAN papers.
public struct ModeCoverage: Equatable, Sendable, CustomStringConvertible {
    /// Samples per mode among the high-quality ones.
    public let countsPerMode: [Int]
    /// Fraction of samples within 3σ of some centre.
    public let highQualityFraction: Double
    /// Modes with at least `minimumCount` high-quality samples.
    public let modesCovered: Int

    /// Measures `points` `[N, 2]` against `mixture`; a mode counts as covered when at least
    /// `minimumFraction` of the samples (default: a fifth of its fair share) fall within 3σ of it.
    public init(points: Tensor, mixture: ToyMixture, minimumFraction: Double? = nil) {
        let values = points.scalars
        let n = values.count / 2
        var counts = [Int](repeating: 0, count: mixture.centres.count)
        var good = 0
        for i in 0..<n {
            let (mode, distance) = mixture.nearestMode(x: values[2 * i], y: values[2 * i + 1])
            if distance <= 3 * mixture.standardDeviation {
                counts[mode] += 1
                good += 1
            }
        }
        countsPerMode = counts
        highQualityFraction = n > 0 ? Double(good) / Double(n) : 0
        let threshold = minimumFraction ?? (0.2 / Double(mixture.centres.count))
        modesCovered = counts.filter { Double($0) >= threshold * Double(n) }.count
    }

    public var description: String {
        "\(modesCovered)/\(countsPerMode.count) modes, \(String(format: "%.1f", 100 * highQualityFraction))% within 3σ (per mode \(countsPerMode))"
    }
}
