/// How a data-parallel run (`gan train … --distributed mpi` under `mpirun -np N`) trains, in
/// `config.json` as `run.dataParallel`: what a resume must keep.
public struct DataParallelSettings: Codable, Equatable, Sendable {
    /// The processes (`mpirun -np`); `--batch-size` is the global batch, `batchSize / ranks`
    /// per rank.
    public var ranks: Int
    /// Whether BatchNorm layers normalise with every rank's batch together (`--sync-bn`);
    /// otherwise each rank's own slice (PyTorch DDP's default).
    public var syncBatchNorm: Bool

    public init(ranks: Int, syncBatchNorm: Bool) {
        self.ranks = ranks
        self.syncBatchNorm = syncBatchNorm
    }
}
