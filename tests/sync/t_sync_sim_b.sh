#!/bin/sh
# The simulation of t_sync_sim.sh with another random seed (printed): CI runs
# three seeds each time.
exec sh "$(dirname "$0")/t_sync_sim.sh"
