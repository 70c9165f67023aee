/** Model hyper-parameters, read from and written to a Hugging Face {@code config.json}. */
package dev.spro.models.config;
