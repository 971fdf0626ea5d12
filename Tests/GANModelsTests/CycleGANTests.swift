import Foundation
import GANLayers
import GANTensor
import Testing
@testable import GANModels

@Suite struct CycleGANTests {
    /// One step moves both generators and both discriminators, and a checkpoint holds the pools.
    @Test func aStepTrainsAllFourNetworks() throws {
        var config = CycleGANConfig.grey28
        config.network = CycleGANNetworkSettings(channels: 1, imageSize: 8, generatorWidth: 2, residualBlocks: 1,
                                                 discriminatorWidth: 2, discriminatorLayers: 1)
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? CycleGANModel)
        let before = model.networks.map { $0.module.stateDict() }
        let data = tinyImages()
        let batches = try DomainBatchers(datasets: [data, data], batchSize: 4, seed: 1)
        let context = StepContext(step: 0, totalSteps: 1, measure: true, rng: RandomGenerator(seed: 2), source: batches)
        let metrics = try model.trainingStep(context)
        for ((name, module), old) in zip(model.networks, before) {
            let now = module.stateDict()
            #expect(now.keys.map { now[$0]!.scalars } != old.keys.map { old[$0]!.scalars }, "\(name) did not move")
        }
        #expect(metrics["loss_cycle_a"] != nil && metrics["loss_idt_b"] != nil)
        #expect(model.stateDict().keys.contains("pool_a.images"))
        #expect(model.poolA.images.count == 4 && model.poolB.images.count == 4)
    }

    /// A checkpoint whose pool holds images of another size is refused before anything changes.
    @Test func aPoolOfOtherImagesIsRefused() throws {
        var config = CycleGANConfig.grey28
        config.network = CycleGANNetworkSettings(channels: 1, imageSize: 8, generatorWidth: 2, residualBlocks: 1,
                                                 discriminatorWidth: 2, discriminatorLayers: 1)
        var rng = RandomGenerator(seed: 0)
        let model = try #require(try config.makeModel(using: &rng) as? CycleGANModel)
        var state = model.stateDict()
        state.insert("pool_a.count", Tensor(Float(2)), dtype: .int64)
        state.insert("pool_a.images", Tensor.zeros([2, 1, 4, 4]))
        let before = model.generatorAToB.stateDict()
        #expect(throws: ModelError.self) { try model.load(stateDict: state, source: "test") }
        #expect(model.poolA.images.isEmpty)
        #expect(model.generatorAToB.stateDict().keys.map { model.generatorAToB.stateDict()[$0]!.scalars }
            == before.keys.map { before[$0]!.scalars })
    }
}
