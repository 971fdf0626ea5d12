import Foundation
import GANTensor

/// Inception Score (Salimans et al. 2016) from a classifier's outputs on generated samples:
/// exp(E_x KL(p(y|x) ‖ p(y))), with p(y) the mean prediction, per split.
///
/// As the original implementation and torch-fidelity do, the samples are cut in order into
/// `splits` contiguous parts (rows `i·N/splits ..< (i+1)·N/splits`), each part scored with
/// its own marginal, and the mean and standard deviation (ddof 0) of the part scores are
/// reported. torch-fidelity shuffles the rows first; shuffle before calling to match it.
/// Computed in Double.
public enum InceptionScore {
    /// The score over the splits, and each split's score.
    public struct Result: Sendable, Equatable {
        /// The mean of the split scores: the Inception Score.
        public let mean: Double
        /// Their standard deviation (population, ddof 0).
        public let standardDeviation: Double
        /// The score of each split, in order.
        public let splitScores: [Double]
    }

    /// The score of class probabilities `[N, classes]` (softmax outputs; each row sums to 1).
    ///
    /// - Throws: `MetricsError` when a value is negative, a row does not sum to 1 within 10⁻³,
    ///   or there are fewer samples than splits.
    public static func compute(probabilities: FeatureMatrix, splits: Int = 10) throws -> Result {
        try checkSplits(probabilities, splits)
        let c = probabilities.dimension
        let p = probabilities.gatheredRows(Array(0..<probabilities.count))
        var logP = p
        for i in 0..<probabilities.count {
            var sum = 0.0
            for j in 0..<c {
                let v = p[i * c + j]
                guard v >= 0 else {
                    throw MetricsError(probabilities.name, "row \(i) has the negative probability \(v) in column \(j); pass logits to compute(logits:) instead")
                }
                sum += v
            }
            guard abs(sum - 1) <= 1e-3 else {
                throw MetricsError(probabilities.name, "row \(i) sums to \(sum), expected probabilities summing to 1; pass logits to compute(logits:) instead")
            }
            for j in 0..<c {
                // 0 · log 0 is 0 in the limit; keep it out of the sums below.
                let v = p[i * c + j]
                logP[i * c + j] = v > 0 ? log(v) : 0
            }
        }
        return score(p, logP, count: probabilities.count, classes: c, splits: splits)
    }

    /// The score of classifier logits `[N, classes]`, through a numerically stable log-softmax.
    ///
    /// - Throws: `MetricsError` when there are fewer samples than splits.
    public static func compute(logits: FeatureMatrix, splits: Int = 10) throws -> Result {
        try checkSplits(logits, splits)
        let c = logits.dimension
        var logP = logits.gatheredRows(Array(0..<logits.count))
        var p = logP
        for i in 0..<logits.count {
            let row = (i * c)..<((i + 1) * c)
            let top = logP[row].max()!
            var sum = 0.0
            for j in row { sum += exp(logP[j] - top) }
            let shift = top + log(sum)
            for j in row {
                logP[j] -= shift
                p[j] = exp(logP[j])
            }
        }
        return score(p, logP, count: logits.count, classes: c, splits: splits)
    }

    private static func checkSplits(_ outputs: FeatureMatrix, _ splits: Int) throws {
        guard splits >= 1 else { throw MetricsError("Inception Score", "expected at least 1 split, got \(splits)") }
        try outputs.requireSamples(splits, for: "an Inception Score with \(splits) splits")
    }

    private static func score(_ p: [Double], _ logP: [Double], count n: Int, classes c: Int, splits: Int) -> Result {
        var scores: [Double] = []
        for s in 0..<splits {
            let rows = (s * n / splits)..<((s + 1) * n / splits)
            var marginal = [Double](repeating: 0, count: c)
            for i in rows {
                for j in 0..<c { marginal[j] += p[i * c + j] }
            }
            let logMarginal = marginal.map { log($0 / Double(rows.count)) }
            var kl = 0.0
            for i in rows {
                for j in 0..<c where p[i * c + j] > 0 {
                    kl += p[i * c + j] * (logP[i * c + j] - logMarginal[j])
                }
            }
            scores.append(exp(kl / Double(rows.count)))
        }
        let mean = scores.reduce(0, +) / Double(splits)
        let variance = scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(splits)
        return Result(mean: mean, standardDeviation: variance.squareRoot(), splitScores: scores)
    }
}
