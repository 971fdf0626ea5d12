/// The growth schedule of a progressive GAN by images shown (Karras et al. 2017, §3; the
/// official `train.py` counts `cur_nimg`): the bottom level trains alone for one phase, then
/// each new level has a transition phase, α rising linearly from 0 to 1, and a stabilising
/// phase at α 1. Every phase is `phaseImages` real images long.
///
/// ```text
/// images:  [0, N)      [N, 2N)          [2N, 3N)      [3N, 4N)          …  [(2L)N, ∞)
/// growth:  depth 0     depth 1, α ↑     depth 1       depth 2, α ↑      …  depth L (full size)
/// ```
///
/// A pure function of the count, so a run resumed mid-fade continues with the same α: the
/// model derives the count from the step number and the batch size.
public struct ProGANSchedule: Equatable, Sendable {
    /// Levels above the bottom one (`L`).
    public let levels: Int
    /// Real images per phase (`N`).
    public let phaseImages: Int

    public init(levels: Int, phaseImages: Int) {
        precondition(levels >= 0 && phaseImages > 0, "ProGANSchedule: levels \(levels) and phaseImages \(phaseImages)")
        self.levels = levels
        self.phaseImages = phaseImages
    }

    /// The growth after `images` real images have been shown.
    public func growth(afterImages images: Int) -> ProGANGrowth {
        precondition(images >= 0, "ProGANSchedule: \(images) images")
        guard images >= phaseImages else { return ProGANGrowth(depth: 0) }
        let past = images - phaseImages
        let depth = 1 + past / (2 * phaseImages)
        guard depth <= levels else { return ProGANGrowth(depth: levels) }
        let into = past % (2 * phaseImages)
        return ProGANGrowth(depth: depth, alpha: into < phaseImages ? Float(into) / Float(phaseImages) : 1)
    }

    /// The image count at which level `level`'s stabilising phase ends: `(2·level + 1)·N`.
    public func stabilisingEnd(level: Int) -> Int {
        (2 * level + 1) * phaseImages
    }

    /// Images until the last level is fully faded in and stabilised.
    public var totalImages: Int { stabilisingEnd(level: levels) }

    /// The level whose stabilising phase ends after `before` and no later than `after` images, if
    /// any (the deepest one when a batch spans several phases).
    public func levelFinished(after before: Int, upTo after: Int) -> Int? {
        (0...levels).last { level in before < stabilisingEnd(level: level) && stabilisingEnd(level: level) <= after }
    }
}
