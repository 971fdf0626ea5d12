import GANTensor
import Testing
@testable import GANData

@Suite struct ToyMixtureTests {
    @Test func centres() {
        #expect(ToyMixture.ring8.centres.count == 8)
        for c in ToyMixture.ring8.centres {
            #expect(abs((c[0] * c[0] + c[1] * c[1]).squareRoot() - 2) < 1e-5)
        }
        #expect(ToyMixture.grid25.centres.count == 25)
        #expect(Set(ToyMixture.grid25.centres.map { $0[0] }) == [-4, -2, 0, 2, 4])
        #expect(ToyMixture.grid25.centres.contains([-4, 4]))
    }

    @Test(arguments: [ToyMixture.ring8, ToyMixture.grid25])
    func samplesLieNearTheirModes(mixture: ToyMixture) {
        var rng = RandomGenerator(seed: 11)
        let (points, modes) = mixture.sample(count: 5000, using: &rng)
        let p = points.scalars
        var counts = [Int](repeating: 0, count: mixture.centres.count)
        var squared: Double = 0
        for i in 0..<5000 {
            let (nearest, distance) = mixture.nearestMode(x: p[2 * i], y: p[2 * i + 1])
            #expect(nearest == modes[i])
            #expect(distance < 6 * mixture.standardDeviation)
            counts[modes[i]] += 1
            let c = mixture.centres[modes[i]]
            squared += Double((p[2 * i] - c[0]) * (p[2 * i] - c[0]) + (p[2 * i + 1] - c[1]) * (p[2 * i + 1] - c[1]))
        }
        // Every mode is used about equally; the spread matches σ.
        let expected = 5000 / mixture.centres.count
        #expect(counts.allSatisfy { abs($0 - expected) < expected / 2 }, "\(counts)")
        let sigma = (squared / 10000).squareRoot()
        #expect(abs(sigma - Double(mixture.standardDeviation)) < 0.1 * Double(mixture.standardDeviation))
    }
}
