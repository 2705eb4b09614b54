import KhudiTensor
import Testing

@Suite struct BLASThreadsTests {
    @Test func explicitRequestWinsOverEnvironment() {
        let count = BLASThreads.resolve(
            requested: 3, environment: ["OPENBLAS_NUM_THREADS": "8"], cores: 16)
        #expect(count == 3)
    }

    @Test func environmentWinsOverCoreCount() {
        #expect(
            BLASThreads.resolve(
                requested: nil, environment: ["OPENBLAS_NUM_THREADS": "5"], cores: 16) == 5)
    }

    @Test func unusableEnvironmentValueFallsBackToCores() {
        #expect(
            BLASThreads.resolve(
                requested: nil, environment: ["OPENBLAS_NUM_THREADS": "lots"], cores: 6) == 6)
        #expect(
            BLASThreads.resolve(
                requested: nil, environment: ["OPENBLAS_NUM_THREADS": "0"], cores: 6) == 6)
    }

    @Test func coresAreSplitAmongRanksOnOneNode() {
        #expect(
            BLASThreads.resolve(requested: nil, environment: [:], cores: 16, ranksOnThisNode: 8)
                == 2)
        #expect(
            BLASThreads.resolve(requested: nil, environment: [:], cores: 2, ranksOnThisNode: 4) == 1
        )
    }

    @Test func settingTheCountReachesOpenBLAS() {
        let before = BLASThreads.current
        defer { BLASThreads.set(before) }
        BLASThreads.set(1)
        #expect(BLASThreads.current == 1)
        #expect(BLASThreads.libraryDescription.hasPrefix("OpenBLAS"))
    }
}
