/**
 * The types of a graph serialised as TensorFlow's `GraphDef`, in protobuf's canonical JSON
 * mapping (what TensorFlow's `json_format.MessageToJson(graph_def)` prints): int64 fields are
 * decimal strings, bytes are base64, enums are their names.
 *
 * @packageDocumentation
 */

/** A tensor shape (`TensorShapeProto`). */
export interface TensorShapeJson {
  readonly dim?: readonly { readonly size: string }[]
  readonly unknownRank?: boolean
}

/** A tensor value (`TensorProto`): raw little-endian bytes, or strings, base64-encoded. */
export interface TensorJson {
  readonly dtype: string
  readonly tensorShape: TensorShapeJson
  readonly tensorContent?: string
  readonly stringVal?: readonly string[]
}

/** An attribute value (`AttrValue`); exactly one field is set. */
export interface AttrValueJson {
  readonly i?: string
  readonly f?: number
  readonly b?: boolean
  readonly s?: string
  readonly type?: string
  readonly shape?: TensorShapeJson
  readonly tensor?: TensorJson
  readonly list?: { readonly i?: readonly string[]; readonly f?: readonly number[]; readonly type?: readonly string[] }
}

/** One node (`NodeDef`): inputs are `"name"`, `"name:index"` or `"^control"`. */
export interface NodeDefJson {
  readonly name: string
  readonly op: string
  readonly input?: readonly string[]
  readonly device?: string
  readonly attr?: Readonly<Record<string, AttrValueJson>>
}

/** A whole graph (`GraphDef`). */
export interface GraphDefJson {
  readonly node: readonly NodeDefJson[]
  readonly versions: { readonly producer: number }
}
