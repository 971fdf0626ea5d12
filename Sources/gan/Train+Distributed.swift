import ArgumentParser
import Foundation
import GANLayers
import GANModels
import GANTensor

/// `gan train … --distributed mpi`: starting MPI, what a resume must keep, `--sync-bn`.
extension Train {
    /// The default `--mpi-timeout`: longer than rank 0's checkpoints and sample grids; an
    /// evaluation (`--eval-every`) may need more.
    static let defaultMPITimeout = 300.0

    /// Initialises MPI for a process `mpirun` started.
    ///
    /// - Throws: when Open MPI cannot be loaded, or this process was not started by `mpirun`
    ///   (a lone process would train alone while the user believes it is one of several).
    func startMPI() throws -> MPICommunicator {
        guard ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil else {
            if !MPILibrary.isAvailable { throw ModelError.invalidOption("--distributed mpi: \(MPILibrary.description)") }
            throw ModelError.invalidOption("--distributed mpi: this process was not started by Open MPI's mpirun; "
                + "start one process per rank with e.g. `mpirun -np 2 gan train \(family) … --distributed mpi`")
        }
        let communicator: MPICommunicator
        do {
            communicator = try MPICommunicator(timeout: mpiTimeout ?? Self.defaultMPITimeout)
        } catch let error as MPIError {
            throw ModelError.invalidOption("--distributed mpi: \(error)")
        }
        guard communicator.size > 1 else {
            communicator.finish()
            throw ModelError.invalidOption("--distributed mpi: mpirun started 1 process; data-parallel training needs "
                + "at least 2 (`mpirun -np 2 …`), or train without --distributed")
        }
        return communicator
    }

    /// Refuses a resume whose processes or BatchNorm synchronisation differ from the run's.
    func checkResume(_ saved: RunSettings, path: String, shard: DataShard) throws {
        let ranks = saved.ranks
        if ranks != shard.count {
            let how = ranks == 1 ? "without mpirun and --distributed" : "under `mpirun -np \(ranks)` with --distributed mpi"
            throw ModelError.run("\(path): the run trains with \(ranks) rank\(ranks == 1 ? "" : "s") (in config.json), not "
                + "\(shard.count): each rank's slice of the batch, per-rank BatchNorm statistics and image pools depend on "
                + "the number of ranks, so resume \(how), or start a new run with --out")
        }
        if syncBn && saved.dataParallel?.syncBatchNorm != true {
            throw ModelError.run("\(path): the run normalises BatchNorm per rank (in config.json); --sync-bn cannot change "
                + "on --resume; resume without it, or start a new run with --out")
        }
    }

    /// Makes every BatchNorm layer of the model's networks normalise with every rank's batch
    /// (PyTorch's `SyncBatchNorm.convert_sync_batchnorm`).
    ///
    /// - Throws: when the networks have no BatchNorm (`--sync-bn` would change nothing).
    func synchronizeBatchNorm(of model: any TrainableModel, across communicator: Communicator, family: String,
                              preset: String) throws {
        var layers = 0
        for (_, network) in model.networks {
            for (_, module) in network.namedModules() {
                guard let norm = module as? BatchNorm else { continue }
                norm.synchronization = communicator
                layers += 1
            }
        }
        guard layers > 0 else {
            throw ModelError.invalidOption("--sync-bn: \(family) (\(preset)) has no BatchNorm layers to synchronise; "
                + "train without --sync-bn")
        }
    }
}
