import NN

/// What `bench-kernels --format json` prints: GFLOP/s per convolution shape and pass, weighted over
/// the network, and oneDNN's sgemm rate beside them.
struct KernelBenchReport: Encodable {
    /// The three passes' GFLOP/s.
    struct Rates: Encodable {
        let forward, backwardData, backwardWeights: Double
    }

    /// One convolution shape: its name, how often it runs in the network, and its rates.
    struct ShapeRates: Encodable {
        let shape: String
        let count: Int
        let forward, backwardData, backwardWeights: Double
    }

    let backend: String
    let batch, threads: Int
    let sgemmGflops: Double
    let weighted: Rates
    let shapes: [ShapeRates]

    init(backend: String, batch: Int, threads: Int, sgemm: Double, results: [ConvBenchmark.Result]) {
        self.backend = backend
        self.batch = batch
        self.threads = threads
        sgemmGflops = sgemm
        weighted = Rates(forward: ConvBenchmark.weighted(results, batch: batch, \.forward),
                         backwardData: ConvBenchmark.weighted(results, batch: batch, \.backwardData),
                         backwardWeights: ConvBenchmark.weighted(results, batch: batch, \.backwardWeights))
        shapes = results.map {
            ShapeRates(shape: $0.shape.name, count: $0.shape.count, forward: $0.forward, backwardData: $0.backwardData,
                       backwardWeights: $0.backwardWeights)
        }
    }
}
