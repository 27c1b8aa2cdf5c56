/** SELU's constants (Klambauer et al. 2017), as in Keras and Wolfram's "SELU"; no TensorFlow.js here. */
export const SELU_ALPHA = 1.6732632423543772;
/** SELU's scale. */
export const SELU_SCALE = 1.0507009873554805;
