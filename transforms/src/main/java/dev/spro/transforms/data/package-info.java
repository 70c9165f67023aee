/**
 * Prompts from users' datasets: the verl Parquet row (the de-facto format of open RL trainers)
 * and its JSONL twin, read into {@link dev.spro.schemas.Prompt} records with every bad row
 * quarantined as a {@link dev.spro.schemas.RejectedRow} naming its file, row and field; a schema
 * check that fails fast on a missing or mistyped column; and the GSM8K converter.
 */
package dev.spro.transforms.data;
