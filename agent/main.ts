// odoo-node-agent: the DaemonSet process (see agent/README section in the project README).
process.stderr.write('odoo-node-agent: not implemented yet\n');
process.exitCode = 1;
