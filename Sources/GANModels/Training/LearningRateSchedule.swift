/// How the trainer scales every optimiser's learning rate over a run.
public enum LearningRateSchedule: Equatable, Sendable {
    /// The configured rate throughout.
    case constant
    /// The configured rate until `start` (a fraction of the run), then down linearly to 0 at
    /// the last step: `start` 0 is WGAN-GP's CIFAR schedule, 0.5 CycleGAN's.
    case linear(start: Double)

    /// The factor for step `step` (steps done) of `total`.
    public func factor(step: Int, total: Int) -> Float {
        switch self {
        case .constant:
            return 1
        case .linear(let start):
            // In Float, as run folders of the first families computed 1 − step/total.
            let begin = Float(start) * Float(total)
            guard Float(step) > begin else { return 1 }
            return 1 - (Float(step) - begin) / (Float(total) - begin)
        }
    }

    /// `none`, `linear` or `linear from 50%`.
    public var summary: String {
        switch self {
        case .constant: return "none"
        case .linear(let start): return start == 0 ? "linear" : "linear from \(Int((start * 100).rounded()))%"
        }
    }
}
