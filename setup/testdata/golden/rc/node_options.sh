# >>> halton-meter >>>
# Added by halton-meter init --apps; halton-meter uninstall removes this block.
case " ${NODE_OPTIONS-} " in
  *' --require "/home/o'\''brien/my hm*?/node/proxy-preload.cjs" '*) ;;
  *) export NODE_OPTIONS="${NODE_OPTIONS:+$NODE_OPTIONS }"'--require "/home/o'\''brien/my hm*?/node/proxy-preload.cjs"' ;;
esac
# <<< halton-meter <<<
