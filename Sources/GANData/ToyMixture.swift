import Foundation
import GANTensor

/// A mixture of equally weighted isotropic 2-D Gaussians: the toy distributions on which
/// mode collapse is measured.
///
/// - `ring8`: eight modes evenly spaced on a circle of radius 2, standard deviation 0.02
///   (the unrolled-GAN paper, Metz et al. 2017; WGAN-GP's "8 Gaussians").
/// - `grid25`: 25 modes on the 5×5 grid {−4, −2, 0, 2, 4}², standard deviation 0.05
///   (WGAN-GP's "25 Gaussians" before its rescaling; PacGAN, VEEGAN).
///
/// The centres are public so that metrics can count covered modes and high-quality samples
/// (within 3σ of a centre).
///
/// ```swift
/// var rng = RandomGenerator(seed: 1)
/// let (points, modes) = ToyMixture.ring8.sample(count: 512, using: &rng)  // [512, 2]
/// ```
public struct ToyMixture: Codable, Equatable, Sendable {
    /// A short name (`ring8`, `grid25`).
    public let name: String
    /// The mode centres, `[x, y]` each.
    public let centres: [[Float]]
    /// The standard deviation of every mode, in each coordinate.
    public let standardDeviation: Float

    /// A mixture with the given centres and spread.
    public init(name: String, centres: [[Float]], standardDeviation: Float) {
        precondition(!centres.isEmpty && centres.allSatisfy { $0.count == 2 }, "ToyMixture: centres must be [x, y] pairs")
        self.name = name
        self.centres = centres
        self.standardDeviation = standardDeviation
    }

    /// Eight Gaussians on a ring of radius 2, σ = 0.02.
    public static let ring8 = ToyMixture(
        name: "ring8",
        centres: (0..<8).map { k in
            let angle = 2 * Double.pi * Double(k) / 8
            return [Float(2 * cos(angle)), Float(2 * sin(angle))]
        },
        standardDeviation: 0.02)

    /// 25 Gaussians on a 5×5 grid with spacing 2, centred on the origin, σ = 0.05.
    public static let grid25 = ToyMixture(
        name: "grid25",
        centres: (-2...2).flatMap { i in (-2...2).map { j in [Float(2 * i), Float(2 * j)] } },
        standardDeviation: 0.05)

    /// The named mixtures (`ring8`, `grid25`).
    public static let all: [ToyMixture] = [.ring8, .grid25]

    /// The mixture called `name`, if there is one.
    public static func named(_ name: String) -> ToyMixture? {
        all.first { $0.name == name }
    }

    /// `count` points `[count, 2]` and the mode each was drawn from.
    public func sample(count: Int, using generator: inout RandomGenerator) -> (points: Tensor, modes: [Int]) {
        precondition(count >= 0, "ToyMixture.sample: negative count \(count)")
        let noise = Tensor.randomNormal([count, 2], standardDeviation: standardDeviation, using: &generator)
        var values = noise.scalars
        var modes = [Int](repeating: 0, count: count)
        let k = UInt64(centres.count)
        for i in 0..<count {
            let mode = Int(generator.next().multipliedFullWidth(by: k).high)
            modes[i] = mode
            values[2 * i] += centres[mode][0]
            values[2 * i + 1] += centres[mode][1]
        }
        return (Tensor(values, shape: [count, 2]), modes)
    }

    /// A data set of `count` points drawn with `seed`, labelled by mode (class names
    /// `mode0`, `mode1`, ...).
    public func dataset(count: Int, seed: UInt64) -> Dataset {
        var generator = RandomGenerator(seed: seed)
        let (points, modes) = sample(count: count, using: &generator)
        return Dataset(name: "toy:\(name)", values: .floats(points.scalars), sampleShape: [2], labels: modes,
                       classNames: centres.indices.map { "mode\($0)" })
    }

    /// The index of the centre nearest to (`x`, `y`) and the distance to it.
    public func nearestMode(x: Float, y: Float) -> (mode: Int, distance: Float) {
        var best = (mode: 0, distance: Float.infinity)
        for (i, c) in centres.enumerated() {
            let d = ((x - c[0]) * (x - c[0]) + (y - c[1]) * (y - c[1])).squareRoot()
            if d < best.distance { best = (i, d) }
        }
        return best
    }
}
