"""Plausible answers to assignment 4, right and wrong, as a student would write them.

Each answer is the code a student types in place of `# YOUR CODE HERE` (or a
`WholeCell` when the mistake lies outside the stub). A wrong answer must lose
every point of its exercise's test cells and leave the points of the test cells
that don't depend on that exercise; a right answer must get every point.
"""
from coursekit.notebooks import WholeCell

from .answers import Answer

ASSIGNMENT = "a4_backprop"

# The exercises, as named in the notebook, and their solution cells.
EXERCISES = {
    "exercise 1: topological_order": ["topological_order"],
    "exercise 2: backward": ["backward"],
}
MIN_WRONG = 6

# The test cells that grade each exercise.
TESTS_OF = {
    "topological_order": ["test_topological_order"],
    "backward": ["test_backward"],
}

# Which solution cells each test cell relies on (besides the given engine).
# backward gets its order from topological_order.
DEPENDS_ON = {
    "test_topological_order": {"topological_order"},
    "test_backward": {"topological_order", "backward"},
}

WRONG = [
    # --- exercise 1: topological_order -------------------------------------
    Answer("topological_order", "recursion instead of a stack (fails 100,000 nodes deep)", """
        order = []
        seen = set()

        def visit(node):
            seen.add(node)
            for child in node.children:
                if isinstance(child, Expr) and child not in seen:
                    visit(child)
            order.append(node)

        visit(root)
        order.reverse()
        return order
        """),
    Answer("topological_order", "recursion, with the recursion limit raised", """
        import sys
        sys.setrecursionlimit(1_000_000)
        order = []
        seen = set()

        def visit(node):
            seen.add(node)
            for child in node.children:
                if isinstance(child, Expr) and child not in seen:
                    visit(child)
            order.append(node)

        visit(root)
        return order[::-1]
        """),
    # Raised and put back before returning: the tests saw the limit only after
    # the call, when it was 1000 again. (Caught while the call runs, best effort.)
    Answer("topological_order", "recursion, with the recursion limit raised and put back afterwards", """
        import sys
        old_limit = sys.getrecursionlimit()
        sys.setrecursionlimit(1_000_000)
        order = []
        seen = set()

        def visit(node):
            seen.add(node)
            for child in node.children:
                if isinstance(child, Expr) and child not in seen:
                    visit(child)
            order.append(node)

        try:
            visit(root)
        finally:
            sys.setrecursionlimit(old_limit)
        return order[::-1]
        """),
    Answer("topological_order", "recursion, the limit raised and put back through names imported beforehand",
           WholeCell("""
        from sys import getrecursionlimit, setrecursionlimit


        def topological_order(root):
            old_limit = getrecursionlimit()
            setrecursionlimit(1_000_000)
            order = []
            seen = set()

            def visit(node):
                seen.add(node)
                for child in node.children:
                    if isinstance(child, Expr) and child not in seen:
                        visit(child)
                order.append(node)

            try:
                visit(root)
            finally:
                setrecursionlimit(old_limit)
            return order[::-1]
        """)),
    Answer("topological_order", "no set of seen nodes: a shared node is listed twice", """
        finished = []
        stack = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                finished.append(node)
            else:
                stack.append((node, True))
                for child in node.children:
                    if isinstance(child, Expr):
                        stack.append((child, False))
        finished.reverse()
        return finished
        """),
    Answer("topological_order", "children before parents (the post-order, not reversed)", """
        finished = []
        seen = set()
        stack = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                finished.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                for child in node.children:
                    if isinstance(child, Expr) and child not in seen:
                        stack.append((child, False))
        return finished
        """),
    Answer("topological_order", "lists a node when first met (depth-first pre-order)", """
        order = []
        seen = set()
        stack = [root]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            order.append(node)
            for child in node.children:
                if isinstance(child, Expr):
                    stack.append(child)
        return order
        """),
    Answer("topological_order", "breadth-first: lists nodes by their distance from the root", """
        from collections import deque
        order = [root]
        seen = {root}
        queue = deque([root])
        while queue:
            node = queue.popleft()
            for child in node.children:
                if isinstance(child, Expr) and child not in seen:
                    seen.add(child)
                    order.append(child)
                    queue.append(child)
        return order
        """),
    Answer("topological_order", "remembers seen values, not seen nodes (merges equal values)", """
        finished = []
        seen = set()
        stack = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                finished.append(node)
            elif node.value not in seen:
                seen.add(node.value)
                stack.append((node, True))
                for child in node.children:
                    if isinstance(child, Expr) and child.value not in seen:
                        stack.append((child, False))
        finished.reverse()
        return finished
        """),
    Answer("topological_order", "marks a node seen when pushed, so a second parent can finish after it", """
        finished = []
        seen = {root}
        stack = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                finished.append(node)
            else:
                stack.append((node, True))
                for child in node.children:
                    if isinstance(child, Expr) and child not in seen:
                        seen.add(child)
                        stack.append((child, False))
        finished.reverse()
        return finished
        """),
    Answer("topological_order", "stops at the first child already seen (break for continue): misses nodes", """
        finished = []
        seen = set()
        stack = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                finished.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                for child in node.children:
                    if not isinstance(child, Expr):
                        continue
                    if child in seen:
                        break
                    stack.append((child, False))
        finished.reverse()
        return finished
        """),
    Answer("topological_order", "leaves out the variables (only nodes with children)", """
        finished = []
        seen = set()
        stack = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                if node.children:
                    finished.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                for child in node.children:
                    if isinstance(child, Expr) and child not in seen:
                        stack.append((child, False))
        finished.reverse()
        return finished
        """),
    Answer("topological_order", "treats plain numbers as nodes (crashes on constants)", """
        finished = []
        seen = set()
        stack = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                finished.append(node)
            elif node not in seen:
                seen.add(node)
                stack.append((node, True))
                for child in node.children:
                    if child not in seen:
                        stack.append((child, False))
        finished.reverse()
        return finished
        """),
    Answer("topological_order", "Kahn's algorithm counting each parent once, not each edge", """
        parents = {root: set()}
        stack = [root]
        while stack:
            node = stack.pop()
            for child in node.children:
                if isinstance(child, Expr):
                    if child not in parents:
                        parents[child] = set()
                        stack.append(child)
                    parents[child].add(node)
        waiting = {node: len(ps) for node, ps in parents.items()}
        order, ready = [], [root]
        while ready:
            node = ready.pop()
            order.append(node)
            for child in node.children:
                if isinstance(child, Expr):
                    waiting[child] -= 1
                    if waiting[child] == 0:
                        ready.append(child)
        return order
        """),

    # --- exercise 2: backward -------------------------------------------------
    Answer("backward", "overwrites the children's gradients instead of adding", """
        order = topological_order(root)
        for node in order:
            node.gradient = 0
        root.gradient = 1
        for node in order:
            for child, partial in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr):
                    child.gradient = node.gradient * partial
        """),
    Answer("backward", "forgets to zero the gradients", """
        order = topological_order(root)
        root.gradient = 1
        for node in order:
            for child, partial in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr):
                    child.gradient += node.gradient * partial
        """),
    Answer("backward", "starts the root at 0", """
        order = topological_order(root)
        for node in order:
            node.gradient = 0
        for node in order:
            for child, partial in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr):
                    child.gradient += node.gradient * partial
        """),
    Answer("backward", "calls the recursive compute_gradient", """
        root.zero_gradient()
        root.compute_gradient()
        """),
    Answer("backward", "zeroes with the recursive zero_gradient()", """
        root.zero_gradient()
        root.gradient = 1
        for node in topological_order(root):
            for child, partial in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr):
                    child.gradient += node.gradient * partial
        """),
    Answer("backward", "multiplies by the child's value instead of the partial derivative", """
        order = topological_order(root)
        for node in order:
            node.gradient = 0
        root.gradient = 1
        for node in order:
            for child in node.children:
                if isinstance(child, Expr):
                    child.gradient += node.gradient * child.value
        """),
    Answer("backward", "goes through the order backwards, leaves first", """
        order = topological_order(root)
        for node in order:
            node.gradient = 0
        root.gradient = 1
        for node in reversed(order):
            for child, partial in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr):
                    child.gradient += node.gradient * partial
        """),
    Answer("backward", "forgets the node's own gradient (passes the bare partial)", """
        order = topological_order(root)
        for node in order:
            node.gradient = 0
        root.gradient = 1
        for node in order:
            for child, partial in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr):
                    child.gradient += partial
        """),
    Answer("backward", "passes to a repeated child once (x * x gets one share)", """
        order = topological_order(root)
        for node in order:
            node.gradient = 0
        root.gradient = 1
        for node in order:
            done = set()
            for child, partial in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr) and child not in done:
                    done.add(child)
                    child.gradient += node.gradient * partial
        """),
    Answer("backward", "calls operator_gradient once per child, not once per node", """
        order = topological_order(root)
        for node in order:
            node.gradient = 0
        root.gradient = 1
        for node in order:
            for i, child in enumerate(node.children):
                if isinstance(child, Expr):
                    child.gradient += node.gradient * node.operator_gradient()[i]
        """),
]

RIGHT = [
    Answer("topological_order", "Kahn's algorithm: count each node's parent edges first", """
        parents = {root: 0}
        stack = [root]
        while stack:
            node = stack.pop()
            for child in node.children:
                if isinstance(child, Expr):
                    if child not in parents:
                        parents[child] = 0
                        stack.append(child)
                    parents[child] += 1
        order, ready = [], [root]
        while ready:
            node = ready.pop()
            order.append(node)
            for child in node.children:
                if isinstance(child, Expr):
                    parents[child] -= 1
                    if parents[child] == 0:
                        ready.append(child)
        return order
        """),
    Answer("topological_order", "depth-first, a stack of iterators, ids in the seen set", """
        seen = {id(root)}
        finished = []
        stack = [(root, iter(root.children))]
        while stack:
            node, children = stack[-1]
            for child in children:
                if isinstance(child, Expr) and id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child.children)))
                    break
            else:
                stack.pop()
                finished.append(node)
        return finished[::-1]
        """),
    Answer("backward", "a dict of gradients, written back at the end", """
        order = topological_order(root)
        gradients = {node: 0 for node in order}
        gradients[root] = 1
        for node in order:
            for child, partial in zip(node.children, node.operator_gradient()):
                if isinstance(child, Expr):
                    gradients[child] += gradients[node] * partial
        for node, gradient in gradients.items():
            node.gradient = gradient
        """),
    Answer("backward", "indices, floats, and variables skipped", """
        order = topological_order(root)
        for node in order:
            node.gradient = 0.0
        order[0].gradient = 1.0
        for i in range(len(order)):
            node = order[i]
            if not node.children:
                continue
            partials = list(node.operator_gradient())
            for j in range(len(partials)):
                if isinstance(node.children[j], Expr):
                    node.children[j].gradient = node.children[j].gradient + partials[j] * node.gradient
        """),
]
