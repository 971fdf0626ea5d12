import GANTensor

extension FeatureStatistics {
    /// The Fréchet distance between the Gaussians fitted to two feature sets (FID when the
    /// features are Inception pool features):
    ///
    ///     ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr √(Σ₁Σ₂)
    ///
    /// pytorch-fid takes `scipy.linalg.sqrtm` of the non-symmetric Σ₁Σ₂ and drops an
    /// imaginary part that rounding leaves. Here the trace comes from a symmetric problem
    /// with the same eigenvalues: with A = √Σ₁ (eigendecomposition, negative eigenvalues
    /// clamped to 0), Σ₁Σ₂ is similar to M = AΣ₂A, which is symmetric positive semi-definite,
    /// so tr √(Σ₁Σ₂) = Σ √λᵢ(M). Eigenvalues within rounding of 0 (below d·ε·λ_max) count as 0. That needs no complex arithmetic and no ε fallback, and
    /// stays exact for rank-deficient covariances (fewer samples than features).
    ///
    /// Rounding can leave the distance of a set to itself a tiny negative number; it is
    /// returned as it is.
    ///
    /// - Parameter backend: where the eigendecompositions and products run; `nil` uses
    ///   `DoubleLinearAlgebra.backend` (LAPACK when a library was found).
    /// - Throws: `MetricsError` when the feature dimensions differ.
    public func frechetDistance(to other: FeatureStatistics, backend: DoubleLinearAlgebra.Backend? = nil) throws -> Double {
        guard dimension == other.dimension else {
            throw MetricsError("statistics", "feature dimensions differ: \(dimension) and \(other.dimension); both sets must come from the same feature network")
        }
        let d = dimension
        var meanTerm = 0.0
        for i in 0..<d {
            let t = mean[i] - other.mean[i]
            meanTerm += t * t
        }
        let traceTerm = covarianceTrace + other.covarianceTrace - 2 * FeatureStatistics.traceOfSquareRoot(
            covariance, other.covariance, dimension: d, backend: backend)
        return meanTerm + traceTerm
    }

    /// tr √(Σ₁Σ₂) for symmetric positive semi-definite `[d, d]` matrices, through
    /// M = √Σ₁ Σ₂ √Σ₁.
    static func traceOfSquareRoot(
        _ first: [Double], _ second: [Double], dimension d: Int, backend: DoubleLinearAlgebra.Backend?
    ) -> Double {
        // Exactly symmetric input, so LAPACK (one triangle) and the built-in solver (the
        // other) see the same matrix.
        var symmetric = first
        for i in 0..<d {
            for j in (i + 1)..<max(i + 1, d) {
                let s = 0.5 * (first[i * d + j] + first[j * d + i])
                symmetric[i * d + j] = s
                symmetric[j * d + i] = s
            }
        }
        let (values, vectors) = DoubleLinearAlgebra.symmetricEigen(symmetric, dimension: d, backend: backend)
        // √Σ₁ = Vᵀ diag(√λ) V, with the eigenvectors as the rows of V.
        var scaled = vectors
        let resolution = resolvable(values)
        for i in 0..<d {
            let s = values[i] > resolution ? values[i].squareRoot() : 0
            for k in 0..<d { scaled[i * d + k] *= s }
        }
        let root = DoubleLinearAlgebra.product(vectors, scaled, m: d, n: d, k: d, transposeA: true, backend: backend)
        let left = DoubleLinearAlgebra.product(root, second, m: d, n: d, k: d, backend: backend)
        var m = DoubleLinearAlgebra.product(left, root, m: d, n: d, k: d, backend: backend)
        for i in 0..<d {
            for j in (i + 1)..<max(i + 1, d) {
                let s = 0.5 * (m[i * d + j] + m[j * d + i])
                m[i * d + j] = s
                m[j * d + i] = s
            }
        }
        let eigenvalues = DoubleLinearAlgebra.symmetricEigenvalues(m, dimension: d, backend: backend)
        let floor = resolvable(eigenvalues)
        return eigenvalues.reduce(0) { $0 + ($1 > floor ? $1.squareRoot() : 0) }
    }

    /// The size below which a computed eigenvalue cannot be told from 0: a backward-stable
    /// solver is off by about d·ε·‖A‖. Counting such values as 0 rather than taking their
    /// square roots (≈ 10⁻⁸ of the scale each) keeps rank-deficient covariances — fewer
    /// samples than features — from adding noise, and the distance of a set to itself at 0.
    private static func resolvable(_ eigenvalues: [Double]) -> Double {
        let largest = eigenvalues.reduce(0) { max($0, abs($1)) }
        return Double(eigenvalues.count) * Double.ulpOfOne * largest
    }
}
