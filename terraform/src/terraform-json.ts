/**
 * The shape of a synthesized Terraform JSON file (`cdk.tf.json`), shared by
 * the synthesis, the HCL renderer, the cost estimate and the tests. Its own
 * module so that none of them imports another just for the type.
 */
export type TerraformJson = {
  terraform?: Record<string, unknown>;
  provider?: Record<string, unknown[]>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; description?: string }>;
};
