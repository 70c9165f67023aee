/** Charts of runs ({@code spro report}): PNG images and one self-contained HTML page. */
package dev.spro.pipelines.report;
