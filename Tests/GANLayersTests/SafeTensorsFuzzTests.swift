import Foundation
import GANTestSupport
import Testing
@testable import GANLayers

/// The safetensors reader on seeded mutants of a small file (three dtypes, metadata): it
/// returns or throws, never stops the process or allocates without bound.
@Suite struct SafeTensorsFuzzTests {
    @Test func mutatedFiles() throws {
        let seed = try Data(contentsOf: Fixture.directory.appendingPathComponent("fuzz/safetensors/small.safetensors"))
        var mutator = Mutator(seed: 3)
        var tally = FuzzTally(reader: "safetensors")
        for _ in 0..<5000 {
            let input = Data(mutator.mutate([UInt8](seed)))
            tally.tried += 1
            do {
                _ = try SafeTensors.decode(input, source: "x.safetensors")
                tally.accepted += 1
            } catch {
                tally.rejected += 1
            }
        }
        print(tally)
        #expect(tally.rejected > 0 && tally.accepted > 0)
    }
}
