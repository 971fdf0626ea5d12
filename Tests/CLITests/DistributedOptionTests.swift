import Foundation
import Testing

/// `--distributed mpi` and its options outside `mpirun`, and `gan info`'s MPI line; the 2-rank
/// runs themselves are `scripts/check_mpi.sh`'s.
@Suite(.serialized, .enabled(if: GANCommand.shouldRun)) struct DistributedOptionTests {
    func refusal(_ extra: [String], environment: [String: String] = [:]) throws -> String {
        let folder = try GANCommand.temporaryFolder("distributed")
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try GANCommand.run(["train", "gan", "--data", "toy:ring8", "--steps", "2", "--batch-size", "8", "--out", "run"] + extra,
                                        in: folder, environment: environment)
        #expect(result.status != 0, "\(extra) was accepted: \(result.text)")
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run").path), "a refused run left a folder")
        return result.error
    }

    @Test func optionsOfDataParallelTrainingNeedDistributed() throws {
        #expect(try refusal(["--sync-bn"]).contains("--sync-bn applies to data-parallel training: add --distributed mpi"))
        #expect(try refusal(["--mpi-timeout", "9"]).contains("--mpi-timeout applies to data-parallel training"))
        #expect(try refusal(["--distributed", "tcp"]).contains("--distributed must be mpi"))
        #expect(try refusal(["--distributed", "mpi", "--mpi-timeout", "0"]).contains("--mpi-timeout must be positive"))
    }

    @Test func aProcessNotStartedByMpirunIsRefused() throws {
        // With or without Open MPI installed: either says what to do.
        let error = try refusal(["--distributed", "mpi"])
        #expect(error.contains("not started by Open MPI's mpirun") || error.contains("no MPI library found"), "\(error)")
    }

    @Test func infoNamesTheMPILibraryOrWhyThereIsNone() throws {
        let folder = try GANCommand.temporaryFolder("info")
        defer { try? FileManager.default.removeItem(at: folder) }
        let plain = try GANCommand.run(["info"], in: folder)
        #expect(plain.status == 0 && plain.output.contains("MPI (gan train --distributed mpi): "))
        let missing = try GANCommand.run(["info"], in: folder, environment: ["GAN_MPI": "/nonexistent/libmpi.so"])
        #expect(missing.output.contains("not available: no MPI library found"), "\(missing.text)")
        // A library that is not Open MPI (zlib is always there: the PNG codec links it).
        let other = try GANCommand.run(["info"], in: folder, environment: ["GAN_MPI": "libz.so.1"])
        #expect(other.output.contains("libz.so.1 is not Open MPI"), "\(other.text)")
        let refused = try refusal(["--distributed", "mpi"], environment: ["GAN_MPI": "libz.so.1", "OMPI_COMM_WORLD_SIZE": "2"])
        #expect(refused.contains("is not Open MPI"), "\(refused)")
    }
}
