# >>> halton-meter >>>
# Added by halton-meter init --apps; halton-meter uninstall removes this block.
if not string match -q -- '* --require "/home/o\'brien/my hm\\*\\?/node/proxy-preload.cjs" *' " $NODE_OPTIONS "
    set -gx NODE_OPTIONS (string join -- ' ' $NODE_OPTIONS '--require "/home/o\'brien/my hm*?/node/proxy-preload.cjs"')
end
# <<< halton-meter <<<
