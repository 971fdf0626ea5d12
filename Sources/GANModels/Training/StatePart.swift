import GANLayers
import GANTensor

/// One named part of a model's checkpoint and how to save, check and restore it.
public struct StatePart {
    /// The key prefix, without the dot.
    public let prefix: String
    public let save: () -> StateDict
    /// Throws when `load` would fail, changing nothing.
    public let check: (StateDict, String) throws -> Void
    public let load: (StateDict, String) throws -> Void

    public init(prefix: String, save: @escaping () -> StateDict,
                check: @escaping (StateDict, String) throws -> Void = { _, _ in },
                load: @escaping (StateDict, String) throws -> Void) {
        self.prefix = prefix
        self.save = save
        self.check = check
        self.load = load
    }

    /// A network's parameters and buffers.
    public static func network(_ prefix: String, _ module: Module) -> StatePart {
        StatePart(prefix: prefix, save: { module.stateDict() },
                  check: { try module.copy().load(stateDict: $0, source: $1) },
                  load: { try module.load(stateDict: $0, source: $1) })
    }

    /// An optimiser's moments and step count.
    public static func optimizer(_ prefix: String, _ optimizer: Optimizer) -> StatePart {
        StatePart(prefix: prefix, save: { optimizer.stateDict() },
                  load: { try optimizer.load(stateDict: $0, source: $1) })
    }

    /// An exponential moving average of a network (its averaged copy and update count).
    public static func average<M: Module>(_ prefix: String, _ ema: ExponentialMovingAverage<M>) -> StatePart {
        StatePart(prefix: prefix, save: { ema.stateDict() },
                  check: { state, source in
                      var weights = state
                      weights.remove("num_updates")
                      try ema.average.copy().load(stateDict: weights, source: source)
                  },
                  load: { try ema.load(stateDict: $0, source: $1) })
    }
}
