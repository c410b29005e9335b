({ ... }: "anything") { z = 1; }
