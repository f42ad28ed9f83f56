"""Zone-file lines (as the kit writes them) turned into dnsmasq options, for the test DNS server.

The lines are read with dnspython's zone parser, so a line a real name server would reject
fails here too; each SRV and CNAME record then becomes the dnsmasq option that answers it.
"""

from __future__ import annotations

import dns.rdatatype
import dns.zone


def zone_to_dnsmasq(text: str, origin: str) -> list[str]:
    zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
    options: list[str] = []
    for name, node in zone.nodes.items():
        owner = name.to_text(omit_final_dot=True)
        for rdataset in node.rdatasets:
            for rdata in rdataset:
                if rdataset.rdtype == dns.rdatatype.SRV:
                    target = rdata.target.to_text(omit_final_dot=True)  # "." stays "."
                    options.append(
                        f"--srv-host={owner},{target},{rdata.port},{rdata.priority},{rdata.weight}"
                    )
                elif rdataset.rdtype == dns.rdatatype.CNAME:
                    target = rdata.target.to_text(omit_final_dot=True)
                    options.append(f"--cname={owner},{target}")
                else:
                    raise ValueError(f"the test DNS server cannot serve {rdataset}")
    return options
