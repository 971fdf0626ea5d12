import Testing
@testable import GANMetrics

@Suite struct MetricsErrorTests {
    @Test func messageNamesSubjectFirst() {
        let error = MetricsError("fake.npy", "expected a 2-d feature array, found shape [3]")
        #expect(error.description == "fake.npy: expected a 2-d feature array, found shape [3]")
    }
}
