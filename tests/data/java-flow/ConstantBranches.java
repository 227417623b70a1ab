import java.io.IOException;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

public class ConstantBranches extends HttpServlet {
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("q");
        String a = (7 * 42) - 86 > 200 ? "constant" : param;
        response.getWriter().println(a); // safe: xss
        String b = (7 * 42) - 106 > 200 ? "constant" : param;
        response.getWriter().println(b); // vuln: xss
        String c;
        if ((500 / 42) + 196 > 200) c = param; else c = "fixed";
        java.sql.Statement st = null;
        try {
            java.sql.Connection conn = java.sql.DriverManager.getConnection("jdbc:h2:mem:");
            st = conn.createStatement();
            st.executeQuery("SELECT * FROM t WHERE a = '" + c + "'"); // vuln: sql-injection
            String d;
            if ((500 / 42) + 196 > 210) d = param; else d = "fixed";
            st.executeQuery("SELECT * FROM t WHERE a = '" + d + "'"); // safe: sql-injection
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
        int num = 86;
        if (false) {
            Runtime.getRuntime().exec("ls " + param); // safe: command-injection
        }
        String e = (7 * 18) + num > 200 ? "ls" : param;
        Runtime.getRuntime().exec(e); // safe: command-injection
        String f = (7 * 18) + num > 220 ? "ls" : param;
        Runtime.getRuntime().exec(f); // vuln: command-injection
    }

    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String param = request.getParameter("q");
        String bar = "This should never happen";
        if (bar.contains("should")) {
            bar = param;
        }
        response.getWriter().print(bar); // vuln: xss
        String baz = "This should never happen";
        if (!baz.contains("should")) {
            baz = param;
        }
        response.getWriter().print(baz); // safe: xss
        String qux = "alsosafe";
        if (param != null) {
            java.util.List<String> values = new java.util.ArrayList<String>();
            values.add("safe");
            values.add(param);
            values.add("moresafe");
            values.remove(0);
            qux = values.get(1);
        }
        response.getWriter().print(qux); // safe: xss
    }
}
