/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Replays a fuzz target's corpus (files or folders named on the command line)
 * through LLVMFuzzerTestOneInput, so that `meson test` runs every committed
 * input, crashers included, without libFuzzer. */

#include <glib.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static guint
replay_file (const char *path)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr (GError) error = NULL;

	if (!g_file_get_contents (path, &data, &len, &error)) {
		g_printerr ("%s\n", error->message);
		return 0;
	}
	LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
	return 1;
}

static guint
replay (const char *path)
{
	g_autoptr (GDir) dir = NULL;
	const char *name;
	guint n = 0;

	if (!g_file_test (path, G_FILE_TEST_IS_DIR))
		return replay_file (path);
	dir = g_dir_open (path, 0, NULL);
	if (dir == NULL)
		return 0;
	while ((name = g_dir_read_name (dir)) != NULL) {
		g_autofree char *child = g_build_filename (path, name, NULL);
		n += replay (child);
	}
	return n;
}

int
main (int argc, char **argv)
{
	guint n = 0;

	for (int i = 1; i < argc; i++)
		n += replay (argv[i]);
	printf ("replayed %u inputs\n", n);
	/* An empty corpus means the test is not testing anything. */
	return n > 0 ? 0 : 1;
}
