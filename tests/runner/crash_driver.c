/* A driver that crashes in DriverEntry, for the runner's tests: a replay of
 * anything against it must come back as the crash verdict, not take the
 * runner down. */
#include <signal.h>
#include <stdlib.h>

#include "ddirr/wddm.h"

__attribute__((visibility("default"))) NTSTATUS DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
	(void)DriverObject;
	(void)RegistryPath;
	abort();
}
