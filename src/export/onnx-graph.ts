import { InvalidArgumentError } from '../errors.js';
import type { WeightMap } from '../model/checkpoint/weight-map.js';
import { SELU_ALPHA, SELU_SCALE } from '../model/kernels/selu-constants.js';
import type {
  OnnxAttribute,
  OnnxDataType,
  OnnxDim,
  OnnxGraph,
  OnnxNode,
  OnnxTensor,
  OnnxValueInfo,
} from './onnx-proto.js';

/**
 * Building an ONNX graph in code: named inputs and outputs, Howl's weights as initializers under
 * their own names, constants, and one method per operator (`op`), each returning the name of its
 * output. Then the layers every Howl graph uses: a dense layer (`Gemm`), SELU, a kernel's rows
 * picked by an index (`Gather`, for one-hot inputs and embeddings).
 */

/** What a graph's value is called: an input, an initializer or a node's output. */
export type Value = string;

/** A state input of a step graph and the output that is fed to it at the next step. */
export interface StatePair {
  readonly input: string;
  readonly output: string;
}

/** Builds one graph. */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly constants = new Map<string, Value>();
  private readonly names = new Set<string>();
  private counter = 0;

  /** @param weights - the model's weights by name (Keras layout, as a checkpoint holds them) */
  constructor(readonly weights: WeightMap) {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`onnx graph: the name '${name}' is used twice`);
    this.names.add(name);
    return name;
  }

  private fresh(op: string): string {
    return this.claim(`${op.toLowerCase()}_${this.counter++}`);
  }

  /** A graph input. */
  input(name: string, type: OnnxDataType, dims: readonly OnnxDim[], doc: string): Value {
    this.inputs.push({ name: this.claim(name), type, dims, doc });
    return name;
  }

  /** Makes `value` a graph output called `name` (through an `Identity` node). */
  output(value: Value, name: string, type: OnnxDataType, dims: readonly OnnxDim[], doc: string): void {
    this.op('Identity', [value], [], name);
    this.outputs.push({ name, type, dims, doc });
  }

  /** An initializer of the given values. */
  tensor(name: string, dims: readonly number[], data: Float32Array | BigInt64Array): Value {
    this.initializers.push({ name: this.claim(name), dims, data });
    return name;
  }

  /**
   * The model's weight `name` as an initializer (once, however often it is asked for).
   *
   * @throws InvalidArgumentError naming a missing weight
   */
  weight(name: string): Value {
    if (this.names.has(name)) return name;
    const w = this.weights.get(name);
    if (!w) throw new InvalidArgumentError(`model weights: '${name}' is missing`);
    return this.tensor(name, w.shape, w.data);
  }

  /**
   * Rows `from .. to − 1` of a 2-D weight as an initializer named `name/part`.
   *
   * @throws InvalidArgumentError naming a missing weight
   */
  weightRows(name: string, part: string, from: number, to: number): Value {
    const w = this.weights.get(name);
    if (!w) throw new InvalidArgumentError(`model weights: '${name}' is missing`);
    const columns = w.shape[w.shape.length - 1]!;
    return this.tensor(`${name}/${part}`, [to - from, columns], w.data.slice(from * columns, to * columns));
  }

  /** A float32 constant (shared by equal constants). */
  floats(values: readonly number[], dims: readonly number[] = [values.length]): Value {
    return this.constant(Float32Array.from(values), dims, 'f');
  }

  /** An int64 constant (shared by equal constants). */
  ints(values: readonly number[], dims: readonly number[] = [values.length]): Value {
    return this.constant(BigInt64Array.from(values.map((v) => BigInt(v))), dims, 'i');
  }

  private constant(data: Float32Array | BigInt64Array, dims: readonly number[], kind: string): Value {
    const key = `${kind}[${dims.join(',')}]${data.join(',')}`;
    const known = this.constants.get(key);
    if (known !== undefined) return known;
    const name = this.tensor(`const_${this.counter++}`, dims, data);
    this.constants.set(key, name);
    return name;
  }

  /**
   * An operator of the default ONNX domain.
   *
   * @param op - its type, e.g. `'MatMul'`
   * @param inputs - its inputs
   * @param attributes - its attributes
   * @param name - its output's name (default: a fresh one)
   * @returns its output
   */
  op(op: string, inputs: readonly Value[], attributes: readonly OnnxAttribute[] = [], name?: string): Value {
    return this.ops(op, inputs, 1, attributes, name === undefined ? undefined : [name])[0]!;
  }

  /** An operator with `count` outputs (e.g. `Split`); returns them. */
  ops(
    op: string,
    inputs: readonly Value[],
    count: number,
    attributes: readonly OnnxAttribute[] = [],
    names?: readonly string[],
  ): Value[] {
    const outputs = Array.from({ length: count }, (_, i) =>
      names?.[i] === undefined ? this.fresh(op) : this.claim(names[i]),
    );
    this.nodes.push({ name: `${op}_${this.nodes.length}`, op, inputs, outputs, attributes });
    return outputs;
  }

  /** The finished graph. */
  build(name: string, doc: string): OnnxGraph {
    return {
      name,
      doc,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
  }

  // The layers every Howl graph uses.

  /** Dense layer `name` (Keras `name/kernel` `[in, out]`, `name/bias`): `x · kernel + bias`, x 2-D. */
  dense(x: Value, name: string): Value {
    return this.op('Gemm', [x, this.weight(`${name}/kernel`), this.weight(`${name}/bias`)]);
  }

  /** SELU with Howl's constants (those of Keras and `torch.selu`). */
  selu(x: Value): Value {
    return this.op(
      'Selu',
      [x],
      [
        { name: 'alpha', float: SELU_ALPHA },
        { name: 'gamma', float: SELU_SCALE },
      ],
    );
  }

  /** Rows of `table` (2-D) at `indices` (int64 `[batch]`): `[batch, columns]`. */
  rows(table: Value, indices: Value): Value {
    return this.op('Gather', [table, indices], [{ name: 'axis', int: 0 }]);
  }

  /** The sum of two or more values. */
  sum(...values: Value[]): Value {
    return values.slice(1).reduce((total, v) => this.op('Add', [total, v]), values[0]!);
  }

  /** `x` split into `count` equal parts along axis 1. */
  split(x: Value, count: number): Value[] {
    return this.ops('Split', [x], count, [{ name: 'axis', int: 1 }]);
  }
}
