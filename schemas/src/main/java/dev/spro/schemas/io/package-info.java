/**
 * Reading and writing the project's Avro records as files: Avro container files ({@link
 * dev.spro.schemas.io.AvroFiles}) and Parquet ({@link dev.spro.schemas.io.ParquetFiles}).
 *
 * <p>Stages exchange records through Beam; these helpers are for the places where records meet
 * the file system outside a pipeline: the driver's run directory, tests, and tools.
 */
package dev.spro.schemas.io;
