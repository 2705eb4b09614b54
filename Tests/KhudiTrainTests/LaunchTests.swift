import KhudiTrain
import Testing

@Suite struct LaunchTests {
    @Test func plainEnvironmentIsASingleProcess() {
        #expect(Launch.detect(environment: ["HOME": "/root", "PATH": "/usr/bin"]) == .single)
    }

    @Test func openMPIRanksAreDetected() {
        let launch = Launch.detect(environment: [
            "OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "3",
            "OMPI_COMM_WORLD_LOCAL_SIZE": "2",
        ])
        #expect(launch == .parallel(launcher: "mpirun", rank: 3, size: 4, localRanks: 2))
    }

    @Test func multiTaskSlurmStepIsParallel() {
        let launch = Launch.detect(environment: [
            "SLURM_NTASKS": "8", "SLURM_PROCID": "5", "SLURM_NTASKS_PER_NODE": "4",
        ])
        #expect(launch == .parallel(launcher: "srun", rank: 5, size: 8, localRanks: 4))
    }

    @Test func singleTaskSlurmJobIsNotParallel() {
        // An sbatch script running one task has SLURM_PROCID=0 and SLURM_NTASKS=1.
        #expect(Launch.detect(environment: ["SLURM_NTASKS": "1", "SLURM_PROCID": "0"]) == .single)
    }

    @Test func pmixLaunchIsParallel() {
        let launch = Launch.detect(environment: ["PMIX_RANK": "1", "PMIX_SIZE": "2"])
        #expect(launch == .parallel(launcher: "pmix", rank: 1, size: 2, localRanks: nil))
    }

    @Test func malformedValuesAreIgnored() {
        #expect(
            Launch.detect(environment: ["OMPI_COMM_WORLD_SIZE": "x", "OMPI_COMM_WORLD_RANK": "0"])
                == .single)
    }
}
