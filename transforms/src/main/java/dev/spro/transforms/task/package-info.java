/** Built-in tasks: procedurally generated problems with verifiable answers, for runs without a dataset. */
package dev.spro.transforms.task;
