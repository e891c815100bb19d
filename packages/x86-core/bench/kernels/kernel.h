/* Every benchmark kernel exports this: it does a fixed amount of work and returns a checksum. */
unsigned long kernel(void);
