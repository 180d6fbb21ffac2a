// Renders its children only once they come near the screen (a long chat does not draw every chart at once).
import React, { useEffect, useRef, useState } from "react";

export function LazyMount({ children, minHeight }) {
  const box = useRef(null);
  const [shown, setShown] = useState(false);
  useEffect(() => {
    if (shown || !box.current) return undefined;
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((entry) => entry.isIntersecting)) {
          setShown(true);
          observer.disconnect();
        }
      },
      { rootMargin: "600px 0px" },
    );
    observer.observe(box.current);
    return () => observer.disconnect();
  }, [shown]);
  return (
    <div ref={box} className="d360-lazy" data-shown={shown ? "1" : "0"} style={shown ? { width: "100%" } : { width: "100%", minHeight }}>
      {shown ? children : null}
    </div>
  );
}
