<%@ include file="header.jsp" %>
<jsp:useBean id="booking" class="com.grandhotel.model.Booking" scope="session"/>
<%
    String card = booking.getCardNumber();
    String masked = card == null ? "" : "**** **** **** " + card.substring(card.length() - 4);
%>
<h2>Thank you, <jsp:getProperty name="booking" property="confirmationCode"/></h2>
<p>Room <%= booking.getRoom().getNumber() %>, <%= booking.getStayLabel() %></p>
<p>Total: EUR <%= booking.getTotalAmount() %>, 20% deposit charged to <%= masked %></p>
<p>A confirmation was sent to <%= booking.getGuest().getEmail() %>.</p>
<p><a href="mybooking.jsp?code=<%= booking.getConfirmationCode() %>">Manage this reservation</a></p>
<%@ include file="footer.jsp" %>
