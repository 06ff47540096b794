/**
 * Pruned models for inference: CSR matrices ({@link dev.jprune.sparse.Csr}), a CSR copy of a model
 * ({@link dev.jprune.sparse.SparseModel}) and its evaluation ({@link dev.jprune.sparse.SparseEvaluation}), CSR files
 * ({@link dev.jprune.sparse.CsrFiles}), structurally shrunk models, and reports of parameters, FLOPs and bytes.
 */
package dev.jprune.sparse;
