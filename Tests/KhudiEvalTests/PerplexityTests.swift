import Foundation
import KhudiEval
import KhudiModels
import KhudiNN
import KhudiTokenizer
import Testing

@Suite struct PerplexityTests {
    let tokenizer: ByteLevelTokenizer
    let model: GPT2Model

    init() throws {
        tokenizer = try ByteLevelTokenizer.train(
            lines: ["یہ ایک کتاب ہے۔", "پاکستان ایک خوبصورت ملک ہے۔", "ہم اردو میں لکھتے ہیں۔"],
            vocabularySize: 300, minimumFrequency: 1)
        var generator = SeededGenerator(seed: 2)
        model = GPT2Model(
            GPT2Configuration(
                vocabularySize: tokenizer.vocabularySize, contextLength: 16, dimension: 16,
                layerCount: 1, heads: 2),
            generator: &generator)
    }

    /// Documents are split at blank lines and each scored by the rolling log-likelihood from
    /// the end-of-text token; loss, perplexity and bits per byte follow from the sums.
    @Test func metricsFollowFromTheRollingLogLikelihood() throws {
        let documents = [
            "یہ ایک کتاب ہے۔ پاکستان ایک خوبصورت ملک ہے۔ ہم اردو میں لکھتے ہیں۔",
            "ہم اردو میں لکھتے ہیں۔",
        ]
        let text = "\n" + documents.joined(separator: "\n\n  \n\n") + "\n"
        let result = try PerplexityEvaluation(model: model, tokenizer: tokenizer).evaluate(
            text: text, file: "t.txt")
        // Khudi tokenizers have a beginning token; documents are predicted from it.
        let bos = Int32(try #require(tokenizer.id(ofSpecial: "<|bos|>")))
        var nll = 0.0
        var tokens = 0
        for document in documents {
            let ids = tokenizer.encode(document).map(Int32.init)
            let score = try Scorer(model: model).rollingLogLikelihood(ids, prefix: bos)
            nll -= score.logProbability
            tokens += ids.count
        }
        #expect(tokenizer.encode(documents[0]).count > 16, "needs two windows of the context")
        #expect(result.documents == 2 && result.tokens == tokens)
        #expect(result.bytes == documents.map(\.utf8.count).reduce(0, +))
        #expect(abs(result.negativeLogLikelihood - nll) < 1e-6 * nll)
        #expect(abs(result.loss - nll / Double(tokens)) < 1e-9)
        #expect(abs(result.perplexity - exp(nll / Double(tokens))) < 1e-6 * result.perplexity)
        #expect(abs(result.bitsPerByte - nll / log(2) / Double(result.bytes)) < 1e-9)
        // An untrained model is near uniform over its vocabulary.
        #expect(abs(result.loss - log(Double(tokenizer.vocabularySize))) < 0.5)
    }

    @Test func reportsRenderJSONMarkdownAndACurveForCheckpoints() throws {
        let result = PerplexityEvaluation.Result(
            file: "a.txt", documents: 1, tokens: 10, bytes: 20, negativeLogLikelihood: 23)
        var better = result
        better.negativeLogLikelihood = 15
        let one = PerplexityReport(entries: [.init(model: "base", step: nil, results: [result])])
        #expect(one.svg() == nil)
        #expect(one.markdown().contains("| base |  | a.txt | 10 | 2.3000 | 9.97 | 1.6591 |"))
        let run = PerplexityReport(entries: [
            .init(model: "s2", step: 2, results: [result]),
            .init(model: "s4", step: 4, results: [better]),
        ])
        let svg = try #require(run.svg())
        #expect(svg.contains("<polyline") && svg.contains("a.txt"))
        let json = try #require(
            try JSONSerialization.jsonObject(with: run.json()) as? [String: Any])
        let models = try #require(json["models"] as? [[String: Any]])
        #expect(models.map { $0["step"] as? Int } == [2, 4])
        let files = try #require(models[1]["files"] as? [[String: Any]])
        #expect(files[0]["loss"] as? Double == 1.5)
    }
}
