import KhudiNN
import KhudiTensor

/// bfloat16 copies of a model's projection matrices and output head, used by the cached
/// forward pass for single-token steps.
///
/// Decoding one token reads every weight once, so it runs at the speed of memory; half the
/// bytes nearly doubles tokens per second. Logits then differ from Float32 ones by bfloat16's
/// rounding of the weights (about three significant digits). Prompts (many rows at once) still
/// use the Float32 weights and BLAS.
public final class DecodingWeights {
    var matrices: [ObjectIdentifier: BFloat16Matrix] = [:]
    var head: BFloat16Matrix?

    /// Inputs with at most this many rows use the bfloat16 matrices.
    static let maximumRows = 4

    init(layers: [Linear], head: Tensor) {
        for layer in layers {
            matrices[ObjectIdentifier(layer)] = BFloat16Matrix(
                layer.weight.data, rows: layer.outFeatures, columns: layer.inFeatures)
        }
        self.head = BFloat16Matrix(head.data, rows: head.shape[0], columns: head.shape[1])
    }

    /// `layer(x)`, from the bfloat16 copy when x is a few rows and the layer has no adapter.
    func project(_ layer: Linear, _ x: Tensor) -> Tensor {
        guard layer.lora == nil, rows(x) <= Self.maximumRows,
            let matrix = matrices[ObjectIdentifier(layer)]
        else { return layer(x) }
        return linear(x, weight: matrix, bias: layer.bias)
    }

    /// The output head's logits for x, from the bfloat16 copy when x is a few rows.
    func logits(_ x: Tensor, head fallback: Tensor) -> Tensor {
        guard let head, rows(x) <= Self.maximumRows else { return linear(x, weight: fallback) }
        return linear(x, weight: head)
    }

    func rows(_ x: Tensor) -> Int { x.count / max(1, x.shape.last ?? 1) }
}

extension GPT2Model {
    /// Makes bfloat16 copies of every projection and the (tied) head for decoding steps.
    public func useBFloat16Decoding() {
        let layers = blocks.flatMap {
            [$0.attention.qkv, $0.attention.projection, $0.mlp.up, $0.mlp.down]
        }
        decodingWeights = DecodingWeights(layers: layers, head: tokenEmbedding.weight)
    }
}

extension LlamaModel {
    /// Makes bfloat16 copies of every projection and the head for decoding steps.
    public func useBFloat16Decoding() {
        let layers = blocks.flatMap { block in
            let a = block.attention
            return [
                a.query, a.key, a.value, a.output, block.mlp.gate, block.mlp.up, block.mlp.down,
            ]
        }
        decodingWeights = DecodingWeights(
            layers: layers, head: head?.weight ?? tokenEmbedding.weight)
    }
}
