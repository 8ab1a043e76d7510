# Scenario: what the guest's kernel offers (vnetlat -j probe, on the console), then the agent
# scenario (agent.sh). The arm64 guest's test reads the probe to check every hop's mechanism.
vnetlat -j probe | sed 's/^/VNL-JSON-probe /'
echo "VNL-PROBE-DONE"
. /scenarios/agent.sh
